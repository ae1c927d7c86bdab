using Ax.Addressing;
using Ax.ServiceTable;

namespace Ax.Interception;

internal sealed partial class SyscallHandler
{
    /// <summary>
    /// listen(fd, backlog): listens on the node socket and publishes the service. A socket that was never
    /// bound gets a pool port first, as the kernel would autobind it to an ephemeral port.
    /// </summary>
    private Outcome HandleListen(in Notification call, OwnedFd socket, int socketType)
    {
        if (socketType != Interop.Libc.SOCK_STREAM)
        {
            return Outcome.Fail(Errno.EOPNOTSUPP);
        }

        int backlog = unchecked((int)call.Arg1);
        Errno error = SocketCalls.TryGetSockName(socket.Fd, out Ipv4Endpoint local, out _);
        if (error != Errno.None)
        {
            return Outcome.Fail(error);
        }

        if (local.IsLoopback)
        {
            return Outcome.FromResult(Interop.Libc.Listen(socket.Fd, backlog));
        }

        if (local.Port == 0)
        {
            error = BindToPool(socket, new Ipv4Endpoint(Ipv4Endpoint.Any, 0), socketType, out ushort hostPort);
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
