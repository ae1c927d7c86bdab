using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Ax.Addressing;

namespace Ax.Apps;

/// <summary>
/// One <c>--expose</c> rule (seed 003, "Exposed Ports"): the app's <see cref="InternalPort"/> is served to
/// clients that do not run under ax at <see cref="NodePort"/> on the node. <see cref="NodeAddress"/> is the
/// node IP the user named, <see cref="Ipv4Endpoint.Any"/> for "every node" (<c>0.0.0.0</c>), or null
/// when the user named none (<c>internal:host-port</c>, "only on the node where the app runs").
/// </summary>
internal sealed record ExposeRule(ushort InternalPort, uint? NodeAddress, ushort NodePort)
{
    internal const string Usage = "give internal-port:host-port, internal-port:node-IP:node-port or internal-port:0.0.0.0:node-port, as in 8000:9999";

    /// <summary>
    /// True when an app running on the node at <paramref name="nodeIp"/> binds this port there itself: always,
    /// but for a rule naming another node, which that node serves (Proxies/RemoteExposures.cs).
    /// </summary>
    internal bool IsBoundOn(uint nodeIp) => NodeAddress is null || NodeAddress == Ipv4Endpoint.Any || NodeAddress == nodeIp;

    /// <summary>Parses one rule: <c>8000:9999</c>, <c>8000:192.168.0.10:10000</c> or <c>8000:0.0.0.0:10000</c>.</summary>
    internal static bool TryParse(string text, [NotNullWhen(true)] out ExposeRule? rule, [NotNullWhen(false)] out string? problem)
    {
        rule = null;
        problem = $"invalid --expose '{text}': {Usage}";
        string[] parts = text.Split(':');
        if (parts.Length is not (2 or 3) || !TryParsePort(parts[0], out ushort internalPort) || !TryParsePort(parts[^1], out ushort nodePort))
        {
            return false;
        }

        uint? address = null;
        if (parts.Length == 3)
        {
            if (!Ipv4Endpoint.TryParseAddress(parts[1], out uint parsed))
            {
                return false;
            }

            address = parsed;
        }

        rule = new ExposeRule(internalPort, address, nodePort);
        problem = null;
        return true;
    }

    /// <summary>
    /// Parses every rule (each value may itself be a csv) and refuses a port exposed twice: one listening
    /// socket is served at one node port, and one node port can serve one socket.
    /// </summary>
    internal static bool TryParseAll(IEnumerable<string?> values, out List<ExposeRule> rules, [NotNullWhen(false)] out string? problem)
    {
        rules = [];
        problem = null;
        foreach (string? value in values)
        {
            if (value is null)
            {
                problem = $"invalid --expose: a value is missing; {Usage}"; // only a hand-made request can say null
                return false;
            }

            foreach (string text in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (!TryParse(text, out ExposeRule? rule, out problem))
                {
                    return false;
                }

                if (rules.Any(r => r.InternalPort == rule.InternalPort))
                {
                    problem = $"invalid --expose '{text}': port {rule.InternalPort} is already exposed; expose each app port once";
                    return false;
                }

                if (rules.Any(r => r.NodePort == rule.NodePort))
                {
                    problem = $"invalid --expose '{text}': node port {rule.NodePort} is already used by another --expose";
                    return false;
                }

                rules.Add(rule);
            }
        }

        return true;
    }

    public override string ToString() => NodeAddress is { } address
        ? string.Create(CultureInfo.InvariantCulture, $"{InternalPort}:{Ipv4Endpoint.FormatAddress(address)}:{NodePort}")
        : string.Create(CultureInfo.InvariantCulture, $"{InternalPort}:{NodePort}");

    private static bool TryParsePort(string text, out ushort port) =>
        ushort.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port > 0;
}
