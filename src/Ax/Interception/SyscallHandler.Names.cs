using Ax.Addressing;
using Ax.ServiceTable;

namespace Ax.Interception;

internal sealed partial class SyscallHandler
{
    /// <summary>getsockname: the app sees the address it bound, or its own IP, never the node's port plumbing.</summary>
    private Outcome HandleGetSockName(in Notification call, OwnedFd socket, int socketType)
    {
        Errno error = SocketCalls.TryGetSockName(socket.Fd, out Ipv4Endpoint real, out _);
        return error != Errno.None ? Outcome.Fail(error) : Answer(call, VirtualLocal(socket, real));
    }

    /// <summary>getpeername: a server reached through ax shows as the service address the app dialled.</summary>
    private Outcome HandleGetPeerName(in Notification call, OwnedFd socket, int socketType)
    {
        Errno error = SocketCalls.TryGetPeerName(socket.Fd, out Ipv4Endpoint real);
        if (error != Errno.None)
        {
            return Outcome.Fail(error);
        }

        var proto = socketType == Interop.Libc.SOCK_DGRAM ? TransportProtocol.Udp : TransportProtocol.Tcp;
        Ipv4Endpoint shown = real;
        if ((!_node.VServices.Current.IsEmpty && _node.PeerAddresses?.TryGetDialled(socket, real, out Ipv4Endpoint dialled) == true) ||
            (!_node.VServiceClients.IsEmpty &&
            SocketCalls.TryGetSockName(socket.Fd, out Ipv4Endpoint local, out _) == Errno.None &&
            _node.VServiceClients.TryGetDialled(local, real, out dialled)))
        {
            shown = dialled;
        }
        else if (_node.Services.Current.TryFindByHost(proto, real, out ServiceEntry? server))
        {
            shown = server!.ServiceAddr;
        }
        else if (real.Address == _node.NodeIp && _node.Clients.TryGetOrWait(real, out uint clientIp))
        {
            shown = real.WithAddress(clientIp);
        }

        return Answer(call, shown);
    }

    private Ipv4Endpoint VirtualLocal(OwnedFd socket, Ipv4Endpoint real)
    {
        if (real.Address != _node.NodeIp)
        {
            return real;
        }

        if (_node.Bindings.TryGet(real.Port, out Binding? binding) && binding!.AppId == _app.Id)
        {
            // A wildcard bind reads back as 0.0.0.0 until the socket is connected (accepted), as in the kernel.
            return binding.VirtualAddr.IsAnyAddress && SocketCalls.TryGetPeerName(socket.Fd, out _) == Errno.None
                ? binding.VirtualAddr.WithAddress(_app.Ip)
                : binding.VirtualAddr;
        }

        return real.WithAddress(_app.Ip);
    }

    private Outcome Answer(in Notification call, Ipv4Endpoint shown)
    {
        ulong lengthPointer = call.Arg2;
        if (!AppMemory.TryReadInt32(call.Pid, lengthPointer, out int bufferLength))
        {
            return Outcome.Fail(Errno.EFAULT);
        }

        if (bufferLength < 0)
        {
            return Outcome.Fail(Errno.EINVAL);
        }

        if (!_listener.IsValid(call.Id))
        {
            return Outcome.Answered;
        }

        Errno error = SockAddrReader.TryWrite(call.Pid, call.Arg1, lengthPointer, bufferLength, shown);
        return error == Errno.None ? Outcome.Success : Outcome.Fail(error);
    }
}
