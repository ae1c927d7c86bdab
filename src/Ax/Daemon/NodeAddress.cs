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

    /// <summary>
    /// Every IPv4 address of the node, those of interfaces that are up first. An interface that is
    /// down still counts: right after `ip link set up` the kernel reports the new state only when its
    /// link watcher runs (up to a second later), and a daemon started in that window must still find
    /// the address it was given.
    /// </summary>
    private static IEnumerable<(string Name, uint Address)> Addresses(NetworkInterface[] interfaces) =>
        interfaces
            .OrderBy(i => i.OperationalStatus == OperationalStatus.Up || i.NetworkInterfaceType == NetworkInterfaceType.Loopback ? 0 : 1)
            .SelectMany(i => i.GetIPProperties().UnicastAddresses
                .Where(u => u.Address.AddressFamily == AddressFamily.InterNetwork)
                .Select(u => (i.Name, Ipv4Endpoint.TryParseAddress(u.Address.ToString(), out uint a) ? a : 0u)));
}
