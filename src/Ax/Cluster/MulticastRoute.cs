using System.Net;
using System.Net.Sockets;

namespace Ax.Cluster;

/// <summary>
/// Whether Serf's mDNS discovery (<c>--gossip-auto-discover</c>) can work in this node's namespace. The
/// agent queries 224.0.0.251:5353 (RFC 6762) from a socket bound to 0.0.0.0; with no route for that
/// group, as in a namespace that has only its subnet's route, every query fails with ENETUNREACH and the
/// agent only logs "Failed to poll for new hosts" every few seconds (measured on this build, serf
/// 0.8.2-dev). A route such as <c>ip route add 224.0.0.0/4 dev eth0</c> (or a default route) is enough.
/// </summary>
internal static class MulticastRoute
{
    /// <summary>The mDNS group and port (RFC 6762, section 3).</summary>
    internal static readonly IPEndPoint MdnsGroup = new(IPAddress.Parse("224.0.0.251"), 5353);

    /// <summary>
    /// Null when mDNS queries leave through the node interface; otherwise one sentence saying why discovery
    /// cannot work or will not use it. Connecting a UDP socket sends nothing: the kernel only looks up the
    /// route and picks the source address (ip_route_connect, net/ipv4/datagram.c).
    /// </summary>
    internal static string? Problem(IPAddress nodeAddress, string interfaceHint)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            probe.Connect(MdnsGroup);
        }
        catch (SocketException error)
        {
            return $"--gossip-auto-discover cannot find any node: this node has no route for multicast ({MdnsGroup.Address}: {error.SocketErrorCode}); add one on the node interface (ip route add 224.0.0.0/4 dev {interfaceHint}) or list the nodes with --neighbors";
        }

        var source = ((IPEndPoint)probe.LocalEndPoint!).Address;
        return source.Equals(nodeAddress)
            ? null
            : $"--gossip-auto-discover: multicast leaves this node from {source}, not the node interface {nodeAddress}, so discovery asks another network; route 224.0.0.0/4 via the node interface (ip route add 224.0.0.0/4 dev {interfaceHint})";
    }
}
