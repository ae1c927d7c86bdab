using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Ax.Cluster;

/// <summary>Parses <c>--neighbors</c>: a csv of IPv4 addresses, each optionally with <c>:port</c>.</summary>
internal static class NeighborList
{
    /// <summary>
    /// Parses <paramref name="csv"/>. Blanks around entries and empty entries (a trailing comma) are
    /// ignored, repeats are kept once. On failure <paramref name="problem"/> is one sentence naming the
    /// bad entry and what to give instead.
    /// </summary>
    internal static bool TryParse(string csv, out IReadOnlyList<Neighbor> neighbors, out string problem)
    {
        var parsed = new List<Neighbor>();
        neighbors = parsed;
        problem = string.Empty;
        foreach (string raw in csv.Split(','))
        {
            string entry = raw.Trim();
            if (entry.Length == 0)
            {
                continue;
            }

            if (!TryParseEntry(entry, out Neighbor? neighbor))
            {
                problem = $"--neighbors entry '{entry}' is not an IPv4 address or IPv4:port; give a csv of the other nodes' addresses, e.g. 10.0.0.2,10.0.0.3:7946";
                return false;
            }

            if (!parsed.Contains(neighbor!))
            {
                parsed.Add(neighbor!);
            }
        }

        return true;
    }

    private static bool TryParseEntry(string entry, out Neighbor? neighbor)
    {
        neighbor = null;
        string host = entry;
        int? port = null;
        int colon = entry.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            host = entry[..colon];
            if (!int.TryParse(entry.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value is < 1 or > 65535)
            {
                return false;
            }

            port = value;
        }

        // IPAddress.TryParse also takes "10" or "10.1" (inet_aton's short forms) and IPv6: only the four
        // dotted decimal parts a person means are accepted.
        if (host.Split('.').Length != 4 || !IPAddress.TryParse(host, out IPAddress? address) || address.AddressFamily != AddressFamily.InterNetwork)
        {
            return false;
        }

        neighbor = new Neighbor(address, port);
        return true;
    }
}
