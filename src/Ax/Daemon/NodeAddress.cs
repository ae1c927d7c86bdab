using System.Net.NetworkInformation;
using System.Net.Sockets;
using Ax.Addressing;
using Ax.Cli;

namespace Ax.Daemon;

/// <summary>Finds the node's IPv4 address from --node-interface (an address or an interface name), or the first non-loopback interface.</summary>
internal static class NodeAddress
{
    internal static uint Resolve(string? nodeInterface)
    {
        var interfaces = NetworkInterface.GetAllNetworkInterfaces();
        if (nodeInterface is not null && Ipv4Endpoint.TryParseAddress(nodeInterface, out uint requested))
        {
            if (!Addresses(interfaces).Any(a => a.Address == requested))
            {
                throw new CliException($"--node-interface {nodeInterface} is not an address of this node; give one of: {string.Join(", ", Addresses(interfaces).Select(a => $"{Ipv4Endpoint.FormatAddress(a.Address)} ({a.Name})"))}");
            }

            return requested;
        }

        var candidates = Addresses(interfaces)
            .Where(a => nodeInterface is null ? (a.Address >> 24) != 127 : a.Name == nodeInterface)
            .ToList();
        if (candidates.Count == 0)
        {
            throw new CliException(nodeInterface is null
                ? "this node has no network interface with an IPv4 address besides loopback; give one an address or pass --node-interface"
                : $"interface '{nodeInterface}' does not exist or has no IPv4 address; pass --node-interface with an interface name or address of this node");
        }

        return candidates[0].Address;
    }

    private static IEnumerable<(string Name, uint Address)> Addresses(NetworkInterface[] interfaces) =>
        interfaces
            .Where(i => i.OperationalStatus != OperationalStatus.Down || i.NetworkInterfaceType == NetworkInterfaceType.Loopback)
            .SelectMany(i => i.GetIPProperties().UnicastAddresses
                .Where(u => u.Address.AddressFamily == AddressFamily.InterNetwork)
                .Select(u => (i.Name, Ipv4Endpoint.TryParseAddress(u.Address.ToString(), out uint a) ? a : 0u)));
}
