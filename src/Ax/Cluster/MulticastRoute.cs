using System.Net;
using System.Net.Sockets;

namespace Ax.Cluster;

/// <summary>
/// Whether Serf's mDNS discovery (<c>--gossip-auto-discover</c>) can work in this node's namespace. The
/// agent (serf 0.8.2-dev, measured here) queries 224.0.0.251:5353 and [ff02::fb]:5353 (RFC 6762) from
/// sockets bound to the wildcard, and gives up a query when either send fails, then polls again only a
/// minute later. So it needs both: a route for IPv4 multicast (a namespace with only its subnet's route
/// has none: "network is unreachable"; <c>ip route add 224.0.0.0/4 dev eth0</c> or a default route is
/// enough) and a usable IPv6 link-local address on an interface ("cannot assign requested address" with
/// IPv6 disabled, or for the second or so duplicate address detection holds a new link's address
/// tentative, RFC 4862 section 5.4).
/// </summary>
internal static class MulticastRoute
{
    /// <summary>The IPv4 mDNS group and port (RFC 6762, section 3).</summary>
    internal static readonly IPEndPoint MdnsGroup = new(IPAddress.Parse("224.0.0.251"), 5353);

    /// <summary>The IPv6 mDNS group and port (RFC 6762, section 3).</summary>
    internal static readonly IPEndPoint MdnsGroup6 = new(IPAddress.Parse("ff02::fb"), 5353);

    /// <summary>
    /// Null when IPv4 mDNS queries leave through the node interface; otherwise one sentence saying why
    /// discovery cannot work or will not use it. Connecting a UDP socket sends nothing: the kernel only looks
    /// up the route and picks the source address (ip4_datagram_connect, net/ipv4/datagram.c).
    /// </summary>
    internal static string? Ipv4Problem(IPAddress nodeAddress, string interfaceName)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            probe.Connect(MdnsGroup);
        }
        catch (SocketException error)
        {
            return $"--gossip-auto-discover cannot find any node: this node has no route for multicast ({MdnsGroup.Address}: {error.SocketErrorCode}); add one on the node interface (ip route add 224.0.0.0/4 dev {interfaceName}) or list the nodes with --neighbors";
        }

        var source = ((IPEndPoint)probe.LocalEndPoint!).Address;
        return source.Equals(nodeAddress)
            ? null
            : $"--gossip-auto-discover: multicast leaves this node from {source}, not the node interface {nodeAddress}, so discovery asks another network; route 224.0.0.0/4 via the node interface (ip route add 224.0.0.0/4 dev {interfaceName})";
    }

    /// <summary>
    /// Null when an IPv6 mDNS query can be sent out of the interface with index
    /// <paramref name="interfaceIndex"/>; otherwise one sentence. Connect picks a source address as a send
    /// would and fails the same way without one; a link-local group needs the interface as its scope, else
    /// connect refuses with EINVAL (ip6_datagram_connect, net/ipv6/datagram.c).
    /// </summary>
    internal static string? Ipv6Problem(string interfaceName, int interfaceIndex)
    {
        try
        {
            using var probe = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
            probe.Connect(new IPEndPoint(new IPAddress(MdnsGroup6.Address.GetAddressBytes(), interfaceIndex), MdnsGroup6.Port));
            return null;
        }
        catch (SocketException error)
        {
            return $"--gossip-auto-discover cannot find any node: this node cannot send mDNS queries over IPv6 ([{MdnsGroup6.Address}]: {error.SocketErrorCode}), and the gossip agent drops a whole query when either IP version fails; enable IPv6 on {interfaceName} (its link-local address is enough) or list the nodes with --neighbors";
        }
    }
}
