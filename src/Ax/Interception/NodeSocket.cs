using Ax.Addressing;
using Ax.ServiceTable;

namespace Ax.Interception;

/// <summary>
/// The daemon's copy of an app's node socket, with the family and type the kernel reports for it. An
/// AF_INET6 socket is served like an AF_INET one wherever it carries IPv4 (see <see cref="InetEndpoint"/>),
/// so each call here spells the address the way the socket's own family takes it.
/// </summary>
internal readonly record struct NodeSocket(OwnedFd Handle, int Family, int Type)
{
    internal int Fd => Handle.Fd;

    internal bool IsIpv6 => Family == Interop.Libc.AF_INET6;

    internal TransportProtocol Proto => Type == Interop.Libc.SOCK_DGRAM ? TransportProtocol.Udp : TransportProtocol.Tcp;

    /// <summary>IPV6_V6ONLY: an AF_INET6 socket that takes no IPv4 (ipv6(7)); false for AF_INET.</summary>
    internal bool IsIpv6Only =>
        IsIpv6 && SocketCalls.TryGetIntOption(Fd, Interop.Libc.IPPROTO_IPV6, Interop.Libc.IPV6_V6ONLY, out int only) == Errno.None && only != 0;

    internal int Bind(Ipv4Endpoint endpoint) => SocketCalls.Bind(Fd, Family, InetEndpoint.FromV4(endpoint));

    internal int Bind(in InetEndpoint endpoint) => SocketCalls.Bind(Fd, Family, endpoint);

    internal int Connect(in InetEndpoint endpoint) => SocketCalls.Connect(Fd, Family, endpoint);

    internal Errno TryGetSockName(out InetEndpoint endpoint) => SocketCalls.TryGetSockName(Fd, out endpoint);

    internal Errno TryGetPeerName(out InetEndpoint endpoint) => SocketCalls.TryGetPeerName(Fd, out endpoint);
}
