using Ax.Addressing;
using Ax.Policy;
using Ax.ServiceTable;

namespace Ax.Interception;

internal sealed partial class SyscallHandler
{
    /// <summary>
    /// connect(fd, addr): resolves the virtual address to one server the app may reach and connects the
    /// app's own node socket to it. Non-blocking sockets get the kernel's own answer (EINPROGRESS, then
    /// poll + SO_ERROR on the app side); blocking ones wait, off this thread, until the kernel has decided.
    /// </summary>
    private Outcome HandleConnect(in Notification call, OwnedFd socket, int socketType)
    {
        Errno error = SockAddrReader.TryRead(call.Pid, call.Arg1, call.Arg2, out Ipv4Endpoint destination, out bool unspecified);
        if (error != Errno.None)
        {
            return Outcome.Fail(error);
        }

        if (!_listener.IsValid(call.Id))
        {
            return Outcome.Answered;
        }

        if (unspecified)
        {
            return Outcome.FromResult(SocketCalls.Disconnect(socket.Fd));
        }

        var proto = socketType == Interop.Libc.SOCK_DGRAM ? TransportProtocol.Udp : TransportProtocol.Tcp;
        RouteDecision route = _node.Router.Route(_app, proto, destination);
        if (route.IsRefused)
        {
            Log.ConnectRefused(_logger, _app.Id, destination.ToString());
            return Outcome.Fail(Errno.ECONNREFUSED);
        }

        int flags = Interop.Libc.Fcntl(socket.Fd, Interop.Libc.F_GETFL, 0);
        bool blocking = flags >= 0 && (flags & Interop.Libc.O_NONBLOCK) == 0 && proto == TransportProtocol.Tcp;
        if (!blocking)
        {
            error = ConnectAndRemember(socket, route.Target);
            return error == Errno.None ? Outcome.Success : Outcome.Fail(error);
        }

        // The copy shares the app's open file, so O_NONBLOCK is flipped for the length of one connect
        // call only; the app's thread is parked in this very call meanwhile.
        Interop.Libc.Fcntl(socket.Fd, Interop.Libc.F_SETFL, flags | Interop.Libc.O_NONBLOCK);
        error = ConnectAndRemember(socket, route.Target);
        Interop.Libc.Fcntl(socket.Fd, Interop.Libc.F_SETFL, flags);

        if (error is Errno.EINPROGRESS or Errno.EALREADY)
        {
            _node.Waiter.WaitForConnect(_listener, call.Id, socket);
            return Outcome.Answered;
        }

        return error == Errno.None ? Outcome.Success : Outcome.Fail(error);
    }

    /// <summary>
    /// Connects the node socket and records the client's host address; while both happen, a server's
    /// getpeername that misses waits for the record (see <see cref="ClientAddressMap"/>).
    /// </summary>
    private Errno ConnectAndRemember(OwnedFd socket, Ipv4Endpoint target)
    {
        if (_app.HasOwnIp)
        {
            _node.Clients.BeginConnect();
        }

        try
        {
            Errno error = SocketCalls.Connect(socket.Fd, target) == 0 ? Errno.None : Interop.LastErrno();
            RememberClient(socket, error);
            return error;
        }
        finally
        {
            if (_app.HasOwnIp)
            {
                _node.Clients.EndConnect();
            }
        }
    }

    /// <summary>Notes the client's host address, so the server it reaches sees the client's --ip.</summary>
    private void RememberClient(OwnedFd socket, Errno connectResult)
    {
        if (!_app.HasOwnIp || connectResult is not (Errno.None or Errno.EINPROGRESS))
        {
            return;
        }

        if (SocketCalls.TryGetSockName(socket.Fd, out Ipv4Endpoint local, out _) == Errno.None)
        {
            _node.Clients.Record(local, _app.Ip);
        }
    }
}
