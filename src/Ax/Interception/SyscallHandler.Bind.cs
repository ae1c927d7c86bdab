using Ax.Addressing;
using Ax.Apps;
using Ax.ServiceTable;
using Microsoft.Extensions.Logging;

namespace Ax.Interception;

internal sealed partial class SyscallHandler
{
    /// <summary>
    /// bind(fd, addr): an app binds its virtual address (any address, its --ip, or the node IP); the
    /// daemon binds the node socket to node-ip:pool-port instead and remembers what the app asked for.
    /// Loopback binds are left as asked; any other address does not exist for the app. An AF_INET6 socket
    /// binds the same way when it carries IPv4: the dual-stack wildcard <c>::</c> is <c>0.0.0.0</c>, and
    /// <c>::ffff:a.b.c.d</c> is <c>a.b.c.d</c>.
    /// </summary>
    private Outcome HandleBind(in Notification call, NodeSocket socket)
    {
        Errno error = SockAddrReader.TryRead(call.Pid, call.Arg1, call.Arg2, socket.Family, isDatagram: false, out InetEndpoint asked, out bool unspecified);
        if (error != Errno.None)
        {
            return Outcome.Fail(error);
        }

        // inet_bind takes AF_UNSPEC for INADDR_ANY only; inet6_bind takes no other family at all.
        if (unspecified && (socket.IsIpv6 || !asked.V4.IsAnyAddress))
        {
            return Outcome.Fail(Errno.EAFNOSUPPORT);
        }

        if (!_listener.IsValid(call.Id))
        {
            return Outcome.Answered;
        }

        if (!asked.IsIpv4)
        {
            return BindIpv6(socket, asked);
        }

        if (socket.IsIpv6Only)
        {
            return Outcome.Fail(Errno.EINVAL); // an IPv4-mapped address on an IPV6_V6ONLY socket, as inet6_bind says
        }

        return BindIpv4(socket, asked.V4);
    }

    private Outcome BindIpv4(NodeSocket socket, Ipv4Endpoint requested)
    {
        if (requested.IsLoopback)
        {
            return Outcome.FromResult(socket.Bind(requested));
        }

        if (!IsOwnAddress(requested.Address))
        {
            return Outcome.Fail(Errno.EADDRNOTAVAIL);
        }

        if (socket.TryGetSockName(out InetEndpoint current) == Errno.None && current.Port != 0)
        {
            return Outcome.Fail(Errno.EINVAL); // already bound, as inet_bind says
        }

        Errno error = BindToPool(socket, requested, out _);
        return error == Errno.None ? Outcome.Success : Outcome.Fail(error);
    }

    /// <summary>
    /// An IPv6 address that is not IPv4-mapped. The dual-stack wildcard is the IPv4 wildcard. ax's service
    /// addresses are IPv4, so an IPv6-only wildcard (nginx's <c>listen [::]:80</c>, beside its IPv4
    /// <c>listen 80</c>) has nothing to be published at: it is bound on the node's IPv6 loopback at a pool
    /// port, so that two apps may both hold one, and reads back as the wildcard the app asked for. An
    /// explicit <c>::1</c> is the node's loopback, as 127.0.0.1 is; any other IPv6 address is not the app's.
    /// </summary>
    private Outcome BindIpv6(NodeSocket socket, in InetEndpoint requested)
    {
        if (requested.IsIpv6Any && !socket.IsIpv6Only)
        {
            return BindIpv4(socket, new Ipv4Endpoint(Ipv4Endpoint.Any, requested.Port));
        }

        if (requested.IsIpv6Loopback)
        {
            return Outcome.FromResult(socket.Bind(requested with { ScopeId = 0 }));
        }

        if (!requested.IsIpv6Any)
        {
            return Outcome.Fail(Errno.EADDRNOTAVAIL);
        }

        foreach (ushort candidate in _node.Ports.Candidates())
        {
            // A port the table gives to an IPv4 socket stays that socket's, though the kernel would allow both.
            if (_node.Bindings.TryGet(candidate, out _))
            {
                continue;
            }

            if (socket.Bind(requested with { Ipv6 = InetEndpoint.Ipv6Loopback, Ipv6Port = candidate }) == 0)
            {
                _node.Bindings.Set(candidate, new Binding(_app.Id, new Ipv4Endpoint(Ipv4Endpoint.Any, requested.Port == 0 ? candidate : requested.Port), OnIpv6Loopback: true));
                return Outcome.Success;
            }

            if (Interop.LastErrno() is var error && error != Errno.EADDRINUSE)
            {
                return Outcome.Fail(error);
            }
        }

        return Outcome.Fail(Errno.EADDRINUSE);
    }

    /// <summary>Addresses an app may bind: the wildcard, its own IP and the node's.</summary>
    private bool IsOwnAddress(uint address) =>
        address == Ipv4Endpoint.Any || address == _app.Ip || address == _node.NodeIp;

    /// <summary>
    /// Binds the node socket to a pool port and records the app's view of it. A port the app has bound
    /// before goes to the same host port again, so the kernel's own rules decide a second bind within the
    /// app (EADDRINUSE, SO_REUSEADDR, SO_REUSEPORT, a dual-stack and an IPv4 socket on one port), while
    /// two apps on one port get two host ports and are load balanced.
    /// </summary>
    private Errno BindToPool(NodeSocket socket, Ipv4Endpoint requested, out ushort hostPort)
    {
        if (requested.Port != 0 && _app.ExposeFor(requested.Port) is { } rule && rule.IsBoundOn(_node.NodeIp))
        {
            return BindExposed(socket, requested, rule, out hostPort);
        }

        if (requested.Port != 0 && _node.Bindings.TryFindHostPort(_app.Id, requested.Port, out hostPort))
        {
            var host = new Ipv4Endpoint(_node.NodeIp, hostPort);
            if (socket.Bind(host) == 0)
            {
                RecordBinding(socket, requested, hostPort);
                return Errno.None;
            }

            // Taken while one of this app's own services is there: the kernel's answer is the app's. Taken
            // by anything else (the app's socket is gone and the port went to another process), start afresh.
            Errno error = Interop.LastErrno();
            if (error != Errno.EADDRINUSE ||
                (_node.Services.Current.TryFindByHost(socket.Proto, host, out ServiceEntry? holder) && holder!.AppId == _app.Id))
            {
                hostPort = 0;
                return error;
            }
        }

        foreach (ushort candidate in _node.Ports.Candidates())
        {
            if (socket.Bind(new Ipv4Endpoint(_node.NodeIp, candidate)) == 0)
            {
                hostPort = candidate;
                RecordBinding(socket, requested, candidate);
                return Errno.None;
            }

            Errno error = Interop.LastErrno();
            if (error != Errno.EADDRINUSE)
            {
                hostPort = 0;
                return error;
            }
        }

        Log.PortPoolExhausted(_logger, _app.Id, _node.Ports.Text);
        hostPort = 0;
        return Errno.EADDRINUSE;
    }

    /// <summary>
    /// An exposed port (--expose) is served with no proxy: the node socket is bound at the node port the
    /// user chose instead of a pool port, so clients outside ax reach the app at node-IP:node-port, and
    /// clients under ax still reach it at its virtual address through the service table. A node port that
    /// is taken fails the app's bind with EADDRINUSE, as it would without ax, and the daemon says why.
    /// </summary>
    private Errno BindExposed(NodeSocket socket, Ipv4Endpoint requested, ExposeRule rule, out ushort hostPort)
    {
        hostPort = 0;
        if (socket.Bind(new Ipv4Endpoint(_node.NodeIp, rule.NodePort)) != 0)
        {
            Errno error = Interop.LastErrno();
            Log.ExposedPortUnavailable(_logger, _app.Id, requested.Port, Ipv4Endpoint.FormatAddress(_node.NodeIp), rule.NodePort, error.ToString());
            return error;
        }

        hostPort = rule.NodePort;
        RecordBinding(socket, requested, hostPort);
        return Errno.None;
    }

    /// <summary>Records the app's view of a socket ax bound to <paramref name="hostPort"/>.</summary>
    private void RecordBinding(NodeSocket socket, Ipv4Endpoint requested, ushort hostPort)
    {
        var virtualAddr = requested.WithPort(requested.Port == 0 ? hostPort : requested.Port);
        _node.Bindings.Set(hostPort, new Binding(_app.Id, virtualAddr));
        if (socket.Type == Interop.Libc.SOCK_DGRAM && requested.Port != 0)
        {
            RegisterService(socket, TransportProtocol.Udp, virtualAddr, hostPort, backlog: 0);
        }
    }

    private void RegisterService(NodeSocket socket, TransportProtocol proto, Ipv4Endpoint bindAddr, ushort hostPort, int backlog)
    {
        var serviceAddr = bindAddr.IsAnyAddress ? bindAddr.WithAddress(_app.Ip) : bindAddr;
        var entry = new ServiceEntry(
            Guid.NewGuid(),
            _node.NodeName,
            _app.Id,
            proto,
            serviceAddr,
            new Ipv4Endpoint(_node.NodeIp, hostPort),
            bindAddr,
            _app.Labels,
            SocketCalls.Inode(socket.Fd),
            backlog);
        if (_node.Services.Upsert(entry))
        {
            Log.ServiceOpened(_logger, _app.Id, proto.ToString().ToLowerInvariant(), serviceAddr.ToString(), entry.HostAddr.ToString());
        }
    }
}
