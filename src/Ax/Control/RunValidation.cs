using System.Diagnostics.CodeAnalysis;
using Ax.Addressing;
using Ax.Apps;

namespace Ax.Control;

/// <summary>Checks of <c>ax run</c> input shared by the CLI (early, for a quick error) and the daemon (authoritative).</summary>
internal static class RunValidation
{
    internal static bool TryParseAppIp(string text, out uint ip, [NotNullWhen(false)] out string? problem)
    {
        problem = null;
        if (!Ipv4Endpoint.TryParseAddress(text, out ip))
        {
            problem = $"invalid --ip '{text}': give an IPv4 address such as 1.1.1.1";
            return false;
        }

        uint first = ip >> 24;
        if (ip == 0 || first == 127 || first >= 224 || ip == uint.MaxValue)
        {
            problem = $"invalid --ip '{text}': an app needs a unicast address, not a wildcard, loopback, multicast or broadcast one";
            return false;
        }

        return true;
    }

    /// <summary>
    /// Parses the --expose rules and, when the daemon checks them (<paramref name="nodeIp"/> given), refuses
    /// a node IP that is not this node's: on a single node, "every node" (0.0.0.0) means this one.
    /// </summary>
    internal static bool TryParseExpose(IEnumerable<string?> values, uint? nodeIp, out List<ExposeRule> rules, [NotNullWhen(false)] out string? problem, Func<uint, bool>? isClusterNode = null)
    {
        if (!ExposeRule.TryParseAll(values, out rules, out problem))
        {
            return false;
        }

        foreach (ExposeRule rule in rules)
        {
            if (nodeIp is { } node && rule.NodeAddress is { } address && address != Ipv4Endpoint.Any && address != node && isClusterNode?.Invoke(address) != true)
            {
                problem = isClusterNode is null
                    ? $"invalid --expose '{rule}': {Ipv4Endpoint.FormatAddress(address)} is not this node's IP; use {Ipv4Endpoint.FormatAddress(node)}, 0.0.0.0 or internal-port:host-port"
                    : $"invalid --expose '{rule}': {Ipv4Endpoint.FormatAddress(address)} is not the address of a node of this cluster ('ax get nodes' lists them); use one of those, 0.0.0.0 or internal-port:host-port";
                return false;
            }
        }

        return true;
    }

    /// <summary>--name is one DNS label (it resolves as NAME and NAME.DOMAIN): letters, digits, '-' and '_', at most 63.</summary>
    internal static bool TryCheckName(string name, [NotNullWhen(false)] out string? problem)
    {
        problem = null;
        if (!Dns.DnsName.IsValidLabel(name))
        {
            problem = $"invalid --name '{name}': give one DNS label of letters, digits and hyphens (at most 63), such as web; it resolves as web and web.<dns-domain>";
            return false;
        }

        return true;
    }
}
