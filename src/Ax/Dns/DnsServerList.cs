using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Ax.Addressing;

namespace Ax.Dns;

/// <summary>Reads forwarder lists: --dns-servers (csv of IP[:port]) and the nameserver lines of a resolv.conf.</summary>
internal static class DnsServerList
{
    internal const ushort DnsPort = 53;

    internal static bool TryParse(string csv, [NotNullWhen(true)] out IReadOnlyList<Ipv4Endpoint>? servers, [NotNullWhen(false)] out string? problem)
    {
        var list = new List<Ipv4Endpoint>();
        servers = null;
        problem = null;
        foreach (string item in csv.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (Ipv4Endpoint.TryParseAddress(item, out uint address))
            {
                list.Add(new Ipv4Endpoint(address, DnsPort));
            }
            else if (Ipv4Endpoint.TryParse(item, out Ipv4Endpoint? endpoint) && endpoint.Value.Port != 0)
            {
                list.Add(endpoint.Value);
            }
            else
            {
                problem = $"invalid --dns-servers entry '{item}': give a csv of IPv4 addresses with optional ports, such as 127.0.0.1:5533,8.8.8.8";
                return false;
            }

            if (list[^1].Address == 0 || list[^1].Address == uint.MaxValue)
            {
                problem = $"invalid --dns-servers entry '{item}': a forwarder needs a unicast address";
                return false;
            }
        }

        servers = list;
        return true;
    }

    /// <summary>
    /// The IPv4 nameservers of a resolv.conf (resolv.conf(5)), port 53, leaving out <paramref name="self"/>
    /// so the server never forwards to itself (the host's file may already point at ax).
    /// IPv6 nameservers are skipped: the server forwards over IPv4 only for now.
    /// </summary>
    internal static IReadOnlyList<Ipv4Endpoint> FromResolvConf(string text, Ipv4Endpoint self)
    {
        var list = new List<Ipv4Endpoint>();
        foreach (string line in text.Split('\n'))
        {
            string[] words = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length >= 2 && words[0] == "nameserver" && Ipv4Endpoint.TryParseAddress(words[1], out uint address))
            {
                var server = new Ipv4Endpoint(address, DnsPort);
                if (server != self && !list.Contains(server))
                {
                    list.Add(server);
                }
            }
        }

        return list;
    }

    internal static string Format(IReadOnlyList<Ipv4Endpoint> servers) =>
        servers.Count == 0 ? "none" : string.Join(",", servers.Select(s => s.ToString()));

    /// <summary>Checks --dns-domain: dot-separated host-name labels, at most 253 characters; gives it lower-case without a final dot.</summary>
    internal static bool TryParseDomain(string text, [NotNullWhen(true)] out string? domain, [NotNullWhen(false)] out string? problem)
    {
        domain = text.Trim().TrimEnd('.').ToLowerInvariant();
        problem = null;
        if (domain.Length is 0 or > 253 || !domain.Split('.').All(label => DnsName.IsValidLabel(label)))
        {
            domain = null;
            problem = string.Create(CultureInfo.InvariantCulture, $"invalid --dns-domain '{text}': give a domain name of letters, digits and hyphens, such as appswitch.local");
            return false;
        }

        return true;
    }
}
