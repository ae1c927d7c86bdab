using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Ax.Addressing;
using Ax.Contracts;

namespace Ax.VServices;

/// <summary>
/// Checks of vservice input, shared by the CLI (early, for a quick error) and the daemon's REST API
/// (authoritative). Every problem is one sentence naming the flag and what a good value looks like.
/// </summary>
internal static class VServiceValidation
{
    /// <summary>Bounds that keep one request from costing the daemon thousands of listeners or a slow connect path.</summary>
    internal const int MaxPorts = 64;

    internal const int MaxBackends = 256;

    /// <summary>Turns a request into a vservice, or says what is wrong with it.</summary>
    internal static bool TryCreate(VServiceInfo? spec, [NotNullWhen(true)] out VService? vservice, [NotNullWhen(false)] out string? problem)
    {
        vservice = null;
        if (spec is null)
        {
            problem = "the request has no vservice in its body; send JSON with name, ip, ports and backends";
            return false;
        }

        if (!IsValidName(spec.Name))
        {
            problem = $"invalid vservice name '{spec.Name}': use 1-63 letters, digits and '-', starting with a letter or digit, as in myvsvc";
            return false;
        }

        if (!TryParseUnicast(spec.Ip, "--ip", out uint vip, out problem))
        {
            return false;
        }

        if (!TryParseLbType(spec.LbType, out LbType lbType, out problem))
        {
            return false;
        }

        if (spec.Ports is null || spec.Ports.Count == 0)
        {
            problem = "a vservice needs at least one port: give --ports VPORT:APPPORT, as in --ports 8000:8000";
            return false;
        }

        if (spec.Ports.Count > MaxPorts || (spec.Backends?.Count ?? 0) > MaxBackends)
        {
            problem = $"a vservice takes at most {MaxPorts} port pairs and {MaxBackends} backends; split it into several vservices";
            return false;
        }

        var ports = ImmutableArray.CreateBuilder<VServicePortMap>();
        foreach (VServicePort port in spec.Ports)
        {
            if (port is null || !IsPort(port.VirtualPort) || !IsPort(port.AppPort))
            {
                problem = $"invalid port pair '{port?.VirtualPort}:{port?.AppPort}': both ports must be from 1 to 65535";
                return false;
            }

            if (ports.Any(p => p.VirtualPort == port.VirtualPort))
            {
                problem = $"virtual port {port.VirtualPort} is given twice; map each virtual port once";
                return false;
            }

            ports.Add(new VServicePortMap((ushort)port.VirtualPort, (ushort)port.AppPort));
        }

        if (spec.Backends is null || spec.Backends.Count == 0)
        {
            problem = "a vservice needs at least one backend: give --backends with IPv4 addresses or ip:port pairs, as in --backends 10.0.0.5,10.0.0.6:8080";
            return false;
        }

        var backends = ImmutableArray.CreateBuilder<VServiceBackend>();
        foreach (string text in spec.Backends)
        {
            if (!TryParseBackend(text, out VServiceBackend backend, out problem))
            {
                return false;
            }

            backends.Add(backend);
        }

        uint sourceIp = 0;
        if (spec.SourceIp is { Length: > 0 } && !TryParseUnicast(spec.SourceIp, "--source-ip", out sourceIp, out problem))
        {
            return false;
        }

        vservice = new VService(spec.Name, lbType, vip, ports.ToImmutable(), backends.ToImmutable(), spec.External, sourceIp);
        problem = null;
        return true;
    }

    /// <summary>A DNS label (RFC 1123): the name is also what the built-in DNS server answers for.</summary>
    internal static bool IsValidName(string? name) =>
        name is { Length: > 0 and <= 63 } &&
        char.IsAsciiLetterOrDigit(name[0]) &&
        char.IsAsciiLetterOrDigit(name[^1]) &&
        name.All(static c => char.IsAsciiLetterOrDigit(c) || c == '-');

    internal static bool TryParseLbType(string? text, out LbType lbType, [NotNullWhen(false)] out string? problem)
    {
        problem = null;
        lbType = LbType.Random;
        if (string.IsNullOrEmpty(text) || text.Equals("Random", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (text.Equals("RoundRobin", StringComparison.OrdinalIgnoreCase))
        {
            lbType = LbType.RoundRobin;
            return true;
        }

        problem = $"invalid --lbtype '{text}': use Random (the default) or RoundRobin";
        return false;
    }

    /// <summary>Parses the CLI's <c>--ports 8000:10000,9000</c> (a lone port maps to itself).</summary>
    internal static bool TryParsePorts(string csv, [NotNullWhen(true)] out List<VServicePort>? ports, [NotNullWhen(false)] out string? problem)
    {
        ports = [];
        problem = null;
        foreach (string raw in csv.Split(',', StringSplitOptions.TrimEntries))
        {
            string[] parts = raw.Split(':');
            if (parts.Length > 2 || !TryParsePort(parts[0], out int virtualPort) || !TryParsePort(parts[^1], out int appPort))
            {
                ports = null;
                problem = $"invalid port pair '{raw}': give VPORT:APPPORT with ports from 1 to 65535, as in --ports 8000:10000";
                return false;
            }

            ports.Add(new VServicePort(virtualPort, appPort));
        }

        return true;
    }

    internal static bool TryParseBackend(string? text, out VServiceBackend backend, [NotNullWhen(false)] out string? problem)
    {
        backend = default;
        problem = null;
        string value = text?.Trim() ?? string.Empty;
        int colon = value.IndexOf(':', StringComparison.Ordinal);
        string address = colon < 0 ? value : value[..colon];
        int port = 0;
        if (!TryParseUnicastAddress(address, out uint ip) || (colon >= 0 && !TryParsePort(value[(colon + 1)..], out port)))
        {
            problem = $"invalid backend '{text}': give a unicast IPv4 address or ip:port, as in 10.0.0.5 or 10.0.0.5:8080";
            return false;
        }

        backend = new VServiceBackend(ip, (ushort)port);
        return true;
    }

    private static bool TryParseUnicast(string? text, string flag, out uint ip, [NotNullWhen(false)] out string? problem)
    {
        problem = null;
        if (!TryParseUnicastAddress(text, out ip))
        {
            problem = $"invalid {flag} '{text}': give a unicast IPv4 address such as 1.1.1.1";
            return false;
        }

        return true;
    }

    private static bool TryParseUnicastAddress(string? text, out uint ip)
    {
        ip = 0;
        if (text is null || !Ipv4Endpoint.TryParseAddress(text, out ip))
        {
            return false;
        }

        uint first = ip >> 24;
        return ip != 0 && first != 127 && first < 224;
    }

    private static bool TryParsePort(string text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && IsPort(port);

    private static bool IsPort(int port) => port is >= 1 and <= 65535;
}
