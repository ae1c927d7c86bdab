using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Ax.ServiceTable;

/// <summary>
/// The host ports given to app sockets (--ports, default 40000-60000). The pool only proposes
/// candidates in rotation; the kernel decides, because a bind that fails with EADDRINUSE simply moves
/// on to the next port. That keeps the pool free of state that could drift from the kernel's.
/// </summary>
internal sealed class PortPool
{
    internal const string DefaultText = "40000-60000";

    private readonly ushort[] _ports;
    private int _cursor = -1;

    private PortPool(ushort[] ports) => _ports = ports;

    internal int Count => _ports.Length;

    internal string Text { get; private init; } = DefaultText;

    /// <summary>The pool as runs of consecutive ports, lowest first: "4000,6000-8000" is (4000, 4000), (6000, 8000).</summary>
    internal IReadOnlyList<(ushort First, ushort Last)> Ranges()
    {
        var ranges = new List<(ushort First, ushort Last)>();
        foreach (ushort port in _ports)
        {
            if (ranges.Count > 0 && ranges[^1].Last + 1 == port)
            {
                ranges[^1] = (ranges[^1].First, port);
            }
            else
            {
                ranges.Add((port, port));
            }
        }

        return ranges;
    }

    /// <summary>The next candidates, at most one full turn of the pool, starting after the last one given.</summary>
    internal IEnumerable<ushort> Candidates()
    {
        for (int i = 0; i < _ports.Length; i++)
        {
            int index = (int)((uint)Interlocked.Increment(ref _cursor) % (uint)_ports.Length);
            yield return _ports[index];
        }
    }

    /// <summary>Parses a csv of ports and ranges, as in <c>4000,6000-8000</c>.</summary>
    internal static bool TryParse(string text, [NotNullWhen(true)] out PortPool? pool, [NotNullWhen(false)] out string? error)
    {
        pool = null;
        error = null;
        var ports = new SortedSet<ushort>();
        foreach (string raw in text.Split(',', StringSplitOptions.TrimEntries))
        {
            int dash = raw.IndexOf('-', StringComparison.Ordinal);
            string first = dash < 0 ? raw : raw[..dash];
            string last = dash < 0 ? raw : raw[(dash + 1)..];
            if (!TryParsePort(first, out ushort low) || !TryParsePort(last, out ushort high) || high < low)
            {
                error = $"invalid port range '{raw}' in --ports: give ports from 1 to 65535 or ranges low-high, as in 40000-60000";
                return false;
            }

            for (int port = low; port <= high; port++)
            {
                ports.Add((ushort)port);
            }
        }

        pool = new PortPool([.. ports]) { Text = text };
        return true;
    }

    private static bool TryParsePort(string text, out ushort port) =>
        ushort.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port > 0;
}
