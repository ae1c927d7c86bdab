using Ax.Addressing;
using Ax.Apps;
using Ax.Policy;
using Ax.Routing;
using Ax.ServiceTable;
using Ax.VServices;

namespace Ax.Interception;

internal sealed partial class SyscallHandler
{
    /// <summary>
    /// connect(fd, addr): resolves the virtual address to one server the app may reach and connects the
    /// app's own node socket to it. Non-blocking sockets get the kernel's own answer (EINPROGRESS, then
    /// poll + SO_ERROR on the app side); blocking ones wait, off this thread, until the kernel has decided.
    /// An AF_INET6 socket routes an IPv4-mapped address like the IPv4 address it names; a real IPv6
    /// address has no ax service behind it and leaves the node as a plain connection, as IPv4 egress does.
    /// </summary>
    private Outcome HandleConnect(in Notification call, NodeSocket socket)
    {
        Errno error = SockAddrReader.TryRead(call.Pid, call.Arg1, call.Arg2, socket.Family, socket.Type == Interop.Libc.SOCK_DGRAM, out InetEndpoint asked, out bool unspecified);
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

        RouteDecision route;
        InetEndpoint target;
        if (TryFindLoopbackListener(socket.Proto, asked, out ServiceEntry? own))
        {
            route = RouteDecision.ToServer(own!);
            target = InetEndpoint.FromV4(own!.HostAddr);
        }
        else if (!asked.IsIpv4)
        {
            // The app's own IPv6-only wildcard listener, which ax bound on [::1] at a pool port (BindIpv6).
            route = RouteDecision.Egress(default);
            target = IsLoopbackDial(asked) && _node.Bindings.TryFindHostPort(_app.Id, asked.Port, out ushort hostPort, onIpv6Loopback: true)
                ? asked with { Ipv6 = InetEndpoint.Ipv6Loopback, Ipv6Port = hostPort, ScopeId = 0 }
                : asked;
        }
        else
        {
            route = _node.Router.Route(_app, socket.Proto, asked.V4);
            if (asked.Port == Dns.DnsServerList.DnsPort && TrySteerToAxDns(call.Pid, route, asked.V4, out RouteDecision steered))
            {
                route = steered;
            }

            target = InetEndpoint.FromV4(route.Target);
        }

        Mark = CallTimings.Add(CallTimings.Call.Connect, CallTimings.Step.Route, Mark);
        if (route.IsRefused)
        {
            if (route.RuleId is not null || route.ActionRuleId is not null)
            {
                Log.ConnectRefusedByRule(_logger, _app.Id, asked.ToString(), route.ActionRuleId ?? route.RuleId!, route.Reason ?? "no server it may reach");
            }
            else
            {
                Log.ConnectRefused(_logger, _app.Id, asked.ToString());
            }

            return Outcome.Fail(Errno.ECONNREFUSED);
        }

        if (route.Delay > TimeSpan.Zero)
        {
            // A delay action: the app's connect returns after the delay, whether it blocks or not (a
            // non-blocking connect would otherwise report EINPROGRESS and be writable at once, with no
            // connection behind it). The app's other calls are served meanwhile: the wait is a timer's.
            Log.ConnectDelayed(_logger, _app.Id, asked.ToString(), route.ActionRuleId!, route.Delay.TotalMilliseconds);
            ulong id = call.Id;
            InetEndpoint delayedAsked = asked;
            _node.Waiter.After(route.Delay, _listener, id, socket.Handle, () => ConnectRouted(id, socket, target, delayedAsked, route));
            return Outcome.Answered;
        }

        return ConnectRouted(call.Id, socket, target, asked, route);
    }

    /// <summary>The connect itself, once routed: from the vservice's source IP if any, counted if a policy reads counts.</summary>
    private Outcome ConnectRouted(ulong id, NodeSocket socket, InetEndpoint target, InetEndpoint asked, RouteDecision route)
    {
        if (route.SourceIp != 0 && socket.TryGetSockName(out InetEndpoint bound) == Errno.None && bound.Port == 0)
        {
            // A vservice's --source-ip. The address was checked when the vservice was made; if it has
            // left the node since, the kernel's own choice beats failing the app's connect.
            if (socket.Bind(new Ipv4Endpoint(route.SourceIp, 0)) != 0)
            {
                Errno bindError = Interop.LastErrno();
                Log.SourceIpUnavailable(_logger, _app.Id, Ipv4Endpoint.FormatAddress(route.SourceIp), bindError.ToString());
            }
        }

        if (route.Track && socket.Proto == TransportProtocol.Tcp)
        {
            _node.Router.Counts.Track(socket.Fd, route.Target);
        }

        Errno error;
        int flags = Interop.Libc.Fcntl(socket.Fd, Interop.Libc.F_GETFL, 0);
        bool blocking = flags >= 0 && (flags & Interop.Libc.O_NONBLOCK) == 0 && socket.Proto == TransportProtocol.Tcp;
        if (!blocking)
        {
            error = ConnectAndRemember(socket, target, asked, route);
            Mark = CallTimings.Add(CallTimings.Call.Connect, CallTimings.Step.KernelCall, Mark);
            return error == Errno.None ? Outcome.Success : Outcome.Fail(error);
        }

        // The copy shares the app's open file, so O_NONBLOCK is flipped for the length of one connect
        // call only; the app's thread is parked in this very call meanwhile.
        Interop.Libc.Fcntl(socket.Fd, Interop.Libc.F_SETFL, flags | Interop.Libc.O_NONBLOCK);
        error = ConnectAndRemember(socket, target, asked, route);
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

            _node.Waiter.WaitForConnect(_listener, id, socket.Handle);
            return Outcome.Answered;
        }

        return error == Errno.None ? Outcome.Success : Outcome.Fail(error);
    }

    /// <summary>
    /// A connect to this host itself (127.0.0.0/8, ::1, or the wildcard, which the kernel dials as
    /// loopback) on a port where this app listens on the wildcard: the app's own listener, which ax put at
    /// node-ip:pool-port. Without ax the app would reach itself there (a health check, a test suite that
    /// starts its server and connects to it, FTP's PORT 127,0,0,1). An app that shares the node's network
    /// (--new-netns=false) shares its loopback with the other such apps too, so their wildcard listeners
    /// are there for it as well, as for two processes on one host (with the label check of any connect).
    /// </summary>
    private bool TryFindLoopbackListener(TransportProtocol proto, in InetEndpoint asked, out ServiceEntry? listener)
    {
        listener = null;
        if (!IsLoopbackDial(asked))
        {
            return false;
        }

        ServiceSnapshot snapshot = _node.Services.Current;
        foreach (ServiceEntry entry in snapshot.Lookup(proto, new Ipv4Endpoint(_app.Ip, asked.Port)))
        {
            if (entry.AppId == _app.Id && entry.Node == _node.NodeName && entry.BindAddr.IsAnyAddress)
            {
                listener = entry;
                return true;
            }
        }

        if (!_app.SharesNodeNetwork)
        {
            return false;
        }

        // A scan of this node's rows: only loopback connects of apps in the node's namespace get here.
        foreach (ServiceEntry entry in snapshot.RowsOf(_node.NodeName).Values)
        {
            if (entry.Proto == proto && entry.BindAddr.IsAnyAddress && entry.BindAddr.Port == asked.Port &&
                entry.Labels.SharesAnyWith(_app.Labels) &&
                _node.Apps.TryGet(entry.AppId, out AppRecord? owner) && owner!.SharesNodeNetwork)
            {
                listener = entry;
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Connects the node socket and records what a server it reaches sees it as. Where the kernel shows
    /// servers their clients' addresses (PeerAddresses/), the record goes on the socket before the
    /// connect; otherwise, while both happen, a server's getpeername that misses waits for it (see
    /// <see cref="ClientAddressMap"/>).
    /// </summary>
    private Errno ConnectAndRemember(NodeSocket socket, in InetEndpoint target, in InetEndpoint asked, RouteDecision route)
    {
        // A connect to the app's own listener at loopback shows as loopback on both ends, as it would
        // without ax; any other connect of an app with an IP of its own shows that IP.
        bool toSelf = route.Server is { } server && server.AppId == _app.Id && IsLoopbackDial(asked);
        uint shownAs = toSelf ? Loopback : _app.HasOwnIp ? _app.Ip : 0;
        if (shownAs != 0 && route.Server is not null && target.IsIpv4)
        {
            _node.PeerAddresses?.RecordClient(socket.Handle, shownAs);
        }

        uint recordHere = _node.PeerAddresses is null ? shownAs : 0;
        if (recordHere != 0)
        {
            _node.Clients.BeginConnect();
        }

        try
        {
            Errno error = socket.Connect(target) == 0 ? Errno.None : Interop.LastErrno();
            if (target.IsIpv4)
            {
                RememberClient(socket, error, DialledView(asked), route, recordHere);
            }

            return error;
        }
        finally
        {
            if (recordHere != 0)
            {
                _node.Clients.EndConnect();
            }
        }
    }

    private const uint Loopback = 0x7f000001;

    private static bool IsLoopbackDial(in InetEndpoint asked) =>
        asked.IsIpv4 ? asked.V4.IsLoopback || asked.V4.IsAnyAddress : asked.IsIpv6Loopback || asked.IsIpv6Any;

    /// <summary>
    /// What the app dialled, in the IPv4 terms of ax's tables: the wildcard is dialled as loopback (as the
    /// kernel does with INADDR_ANY and ::), and IPv6 loopback is this host's loopback.
    /// </summary>
    private static Ipv4Endpoint DialledView(in InetEndpoint asked) =>
        asked.IsIpv4 && !asked.V4.IsAnyAddress ? asked.V4 : new Ipv4Endpoint(Loopback, asked.Port);

    /// <summary>
    /// Notes the client's host address, so the server it reaches sees the client as <paramref name="shownAs"/>
    /// (its --ip, or loopback for a connect to itself; 0 where it is on the socket already), and, for a
    /// connect that landed somewhere other than what was dialled (a vservice, the app's own listener
    /// dialled at loopback), so the client's getpeername shows what it dialled.
    /// </summary>
    private void RememberClient(NodeSocket socket, Errno connectResult, Ipv4Endpoint destination, RouteDecision route, uint shownAs)
    {
        bool redirected = (route.Server?.ServiceAddr ?? route.Target) != destination;
        if (redirected && _node.PeerAddresses is not null)
        {
            _node.PeerAddresses.RecordDialled(socket.Handle, destination, route.Target);
            redirected = false;
        }

        if ((shownAs == 0 && !redirected) || connectResult is not (Errno.None or Errno.EINPROGRESS))
        {
            return;
        }

        if (shownAs != 0 && socket.TryGetSockName(out InetEndpoint local) == Errno.None && local.IsIpv4)
        {
            _node.Clients.Record(local.V4, shownAs);
        }

        if (redirected && VServiceClientMap.TryGetCookie(socket, out ulong cookie) == Errno.None)
        {
            _node.VServiceClients.Record(cookie, destination, route.Target);
        }
    }
}
