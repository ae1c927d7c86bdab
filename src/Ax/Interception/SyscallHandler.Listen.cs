using Ax.Addressing;
using Ax.ServiceTable;

namespace Ax.Interception;

internal sealed partial class SyscallHandler
{
    /// <summary>
    /// listen(fd, backlog): listens on the node socket and publishes the service. A socket that was never
    /// bound gets a pool port first, as the kernel would autobind it to an ephemeral port. A socket on
    /// loopback (IPv4, or IPv6 as <see cref="BindIpv6"/> leaves it) listens there and is not published.
    /// </summary>
    private Outcome HandleListen(in Notification call, NodeSocket socket)
    {
        if (socket.Type != Interop.Libc.SOCK_STREAM)
        {
            return Outcome.Fail(Errno.EOPNOTSUPP);
        }

        int backlog = unchecked((int)call.Arg1);
        Errno error = socket.TryGetSockName(out InetEndpoint bound);
        if (error != Errno.None)
        {
            return Outcome.Fail(error);
        }

        // An IPv6-only socket never bound: the kernel would autobind it to [::]:ephemeral, which ax serves
        // on the node's IPv6 loopback like any IPv6-only wildcard.
        bool ipv6Only = socket.IsIpv6Only;
        if (!bound.IsIpv4 && bound.IsIpv6Any && bound.Port == 0 && ipv6Only &&
            socket.Bind(bound with { Ipv6 = InetEndpoint.Ipv6Loopback }) != 0)
        {
            return Outcome.Fail(Interop.LastErrno());
        }

        if ((!bound.IsIpv4 && !bound.IsIpv6Any) || ipv6Only || (bound.IsIpv4 && bound.V4.IsLoopback))
        {
            return Outcome.FromResult(Interop.Libc.Listen(socket.Fd, backlog));
        }

        Ipv4Endpoint local = bound.IsIpv4 ? bound.V4 : new Ipv4Endpoint(Ipv4Endpoint.Any, bound.Port);
        if (local.Port == 0)
        {
            error = BindToPool(socket, new Ipv4Endpoint(Ipv4Endpoint.Any, 0), out ushort hostPort);
            if (error != Errno.None)
            {
                return Outcome.Fail(error);
            }

            local = new Ipv4Endpoint(_node.NodeIp, hostPort);
        }

        if (Interop.Libc.Listen(socket.Fd, backlog) != 0)
        {
            return Outcome.Fail(Interop.LastErrno());
        }

        Ipv4Endpoint bindAddr = _node.Bindings.TryGet(local.Port, out Binding? binding) && binding!.AppId == _app.Id
            ? binding.VirtualAddr
            : local;
        RegisterService(socket, TransportProtocol.Tcp, bindAddr, local.Port, backlog);
        return Outcome.Success;
    }
}
