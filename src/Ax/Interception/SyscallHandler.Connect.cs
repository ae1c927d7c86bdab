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
        Mark = CallTimings.Add(CallTimings.Call.Connect, CallTimings.Step.ReadArguments, Mark);
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
        Mark = CallTimings.Add(CallTimings.Call.Connect, CallTimings.Step.Route, Mark);
        if (route.IsRefused)
        {
            Log.ConnectRefused(_logger, _app.Id, destination.ToString());
            return Outcome.Fail(Errno.ECONNREFUSED);
        }

        if (route.SourceIp != 0 && SocketCalls.TryGetSockName(socket.Fd, out Ipv4Endpoint bound, out _) == Errno.None && bound.Port == 0)
        {
            // A vservice's --source-ip. The address was checked when the vservice was made; if it has
            // left the node since, the kernel's own choice beats failing the app's connect.
            if (SocketCalls.Bind(socket.Fd, new Ipv4Endpoint(route.SourceIp, 0)) != 0)
            {
                Errno bindError = Interop.LastErrno();
                Log.SourceIpUnavailable(_logger, _app.Id, Ipv4Endpoint.FormatAddress(route.SourceIp), bindError.ToString());
            }
        }

        int flags = Interop.Libc.Fcntl(socket.Fd, Interop.Libc.F_GETFL, 0);
        bool blocking = flags >= 0 && (flags & Interop.Libc.O_NONBLOCK) == 0 && proto == TransportProtocol.Tcp;
        if (!blocking)
        {
            error = ConnectAndRemember(socket, route.Target, destination, route);
            Mark = CallTimings.Add(CallTimings.Call.Connect, CallTimings.Step.KernelCall, Mark);
            return error == Errno.None ? Outcome.Success : Outcome.Fail(error);
        }

        // The copy shares the app's open file, so O_NONBLOCK is flipped for the length of one connect
        // call only; the app's thread is parked in this very call meanwhile.
        Interop.Libc.Fcntl(socket.Fd, Interop.Libc.F_SETFL, flags | Interop.Libc.O_NONBLOCK);
        error = ConnectAndRemember(socket, route.Target, destination, route);
        Interop.Libc.Fcntl(socket.Fd, Interop.Libc.F_SETFL, flags);
        Mark = CallTimings.Add(CallTimings.Call.Connect, CallTimings.Step.KernelCall, Mark);

        if (error is Errno.EINPROGRESS or Errno.EALREADY)
        {
            // To a peer on this node the handshake has usually finished before connect() returns
            // (loopback and veth deliver the SYN/ACK in softirq on this CPU), so one poll with no
            // wait answers most blocking connects here, without the waiter thread's extra wake-up.
            if (SocketCalls.TryCompleteNow(socket.Fd, out Errno result))
            {
                return result == Errno.None ? Outcome.Success : Outcome.Fail(result);
            }

            _node.Waiter.WaitForConnect(_listener, call.Id, socket);
            return Outcome.Answered;
        }

        return error == Errno.None ? Outcome.Success : Outcome.Fail(error);
    }

    /// <summary>
    /// Connects the node socket and records the client's host address. Where the kernel shows servers
    /// the client's IP (PeerAddresses/), the record goes on the socket before the connect; otherwise,
    /// while both happen, a server's getpeername that misses waits for it (see <see cref="ClientAddressMap"/>).
    /// </summary>
    private Errno ConnectAndRemember(OwnedFd socket, Ipv4Endpoint target, Ipv4Endpoint destination, RouteDecision route)
    {
        _node.PeerAddresses?.RecordClient(socket, _app, route);
        bool recordHere = _app.HasOwnIp && _node.PeerAddresses is null;
        if (recordHere)
        {
            _node.Clients.BeginConnect();
        }

        try
        {
            Errno error = SocketCalls.Connect(socket.Fd, target) == 0 ? Errno.None : Interop.LastErrno();
            RememberClient(socket, error, destination, route, recordHere);
            return error;
        }
        finally
        {
            if (recordHere)
            {
                _node.Clients.EndConnect();
            }
        }
    }

    /// <summary>
    /// Notes the client's host address, so the server it reaches sees the client's --ip, and, for a
    /// connect through a vservice, so the client's getpeername shows the vIP:vport it dialled.
    /// </summary>
    private void RememberClient(OwnedFd socket, Errno connectResult, Ipv4Endpoint destination, RouteDecision route, bool recordHere)
    {
        // A vservice is the only way a route lands somewhere other than what was dialled (or its service).
        bool viaVService = (route.Server?.ServiceAddr ?? route.Target) != destination;
        if (viaVService && _node.PeerAddresses is not null)
        {
            _node.PeerAddresses.RecordDialled(socket, destination, route.Target);
            viaVService = false;
        }

        if ((!recordHere && !viaVService) || connectResult is not (Errno.None or Errno.EINPROGRESS))
        {
            return;
        }

        if (SocketCalls.TryGetSockName(socket.Fd, out Ipv4Endpoint local, out _) == Errno.None)
        {
            if (recordHere)
            {
                _node.Clients.Record(local, _app.Ip);
            }

            if (viaVService)
            {
                _node.VServiceClients.Record(local, destination, route.Target);
            }
        }
    }
}
