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
    /// Loopback binds are left as asked; any other address does not exist for the app.
    /// </summary>
    private Outcome HandleBind(in Notification call, OwnedFd socket, int socketType)
    {
        Errno error = SockAddrReader.TryRead(call.Pid, call.Arg1, call.Arg2, out Ipv4Endpoint requested, out bool unspecified);
        if (error != Errno.None)
        {
            return Outcome.Fail(error);
        }

        if (unspecified && requested.Address != Ipv4Endpoint.Any)
        {
            return Outcome.Fail(Errno.EAFNOSUPPORT);
        }

        if (!_listener.IsValid(call.Id))
        {
            return Outcome.Answered;
        }

        if (requested.IsLoopback)
        {
            return Outcome.FromResult(SocketCalls.Bind(socket.Fd, requested));
        }

        if (!IsOwnAddress(requested.Address))
        {
            return Outcome.Fail(Errno.EADDRNOTAVAIL);
        }

        if (SocketCalls.TryGetSockName(socket.Fd, out Ipv4Endpoint current, out _) == Errno.None && current.Port != 0)
        {
            return Outcome.Fail(Errno.EINVAL); // already bound, as inet_bind says
        }

        error = BindToPool(socket, requested, socketType, out _);
        return error == Errno.None ? Outcome.Success : Outcome.Fail(error);
    }

    /// <summary>Addresses an app may bind: the wildcard, its own IP and the node's.</summary>
    private bool IsOwnAddress(uint address) =>
        address == Ipv4Endpoint.Any || address == _app.Ip || address == _node.NodeIp;

    /// <summary>Binds the node socket to the next free pool port and records the app's view of it.</summary>
    private Errno BindToPool(OwnedFd socket, Ipv4Endpoint requested, int socketType, out ushort hostPort)
    {
        if (requested.Port != 0 && _app.ExposeFor(requested.Port) is { } rule)
        {
            return BindExposed(socket, requested, socketType, rule, out hostPort);
        }

        foreach (ushort candidate in _node.Ports.Candidates())
        {
            if (SocketCalls.Bind(socket.Fd, new Ipv4Endpoint(_node.NodeIp, candidate)) == 0)
            {
                hostPort = candidate;
                RecordBinding(socket, requested, socketType, candidate);
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
    private Errno BindExposed(OwnedFd socket, Ipv4Endpoint requested, int socketType, ExposeRule rule, out ushort hostPort)
    {
        hostPort = 0;
        if (SocketCalls.Bind(socket.Fd, new Ipv4Endpoint(_node.NodeIp, rule.NodePort)) != 0)
        {
            Errno error = Interop.LastErrno();
            Log.ExposedPortUnavailable(_logger, _app.Id, requested.Port, Ipv4Endpoint.FormatAddress(_node.NodeIp), rule.NodePort, error.ToString());
            return error;
        }

        hostPort = rule.NodePort;
        RecordBinding(socket, requested, socketType, hostPort);
        return Errno.None;
    }

    /// <summary>Records the app's view of a socket ax bound to <paramref name="hostPort"/>.</summary>
    private void RecordBinding(OwnedFd socket, Ipv4Endpoint requested, int socketType, ushort hostPort)
    {
        var virtualAddr = requested.WithPort(requested.Port == 0 ? hostPort : requested.Port);
        _node.Bindings.Set(hostPort, new Binding(_app.Id, virtualAddr));
        if (socketType == Interop.Libc.SOCK_DGRAM && requested.Port != 0)
        {
            RegisterService(socket, TransportProtocol.Udp, virtualAddr, hostPort, backlog: 0);
        }
    }

    private void RegisterService(OwnedFd socket, TransportProtocol proto, Ipv4Endpoint bindAddr, ushort hostPort, int backlog)
    {
        var serviceAddr = bindAddr.IsAnyAddress ? bindAddr.WithAddress(_app.Ip) : bindAddr;
        var entry = new ServiceEntry(
            Guid.NewGuid(),
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
