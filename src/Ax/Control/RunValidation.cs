using System.Diagnostics.CodeAnalysis;
using Ax.Addressing;

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
}
