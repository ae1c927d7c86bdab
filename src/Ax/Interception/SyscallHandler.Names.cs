using Ax.Addressing;
using Ax.ServiceTable;
using Ax.VServices;

namespace Ax.Interception;

internal sealed partial class SyscallHandler
{
    /// <summary>getsockname: the app sees the address it bound, or its own IP, never the node's port plumbing.</summary>
    private Outcome HandleGetSockName(in Notification call, NodeSocket socket)
    {
        Errno error = socket.TryGetSockName(out InetEndpoint real);
        if (error != Errno.None)
        {
            return Outcome.Fail(error);
        }

        if (!real.IsIpv4)
        {
            // An IPv6-only wildcard that ax bound on the node's IPv6 loopback (BindIpv6) reads back as the wildcard.
            return Answer(call, socket, TryGetOwnIpv6OnlyPort(real, out ushort asked) ? real with { Ipv6 = UInt128.Zero, Ipv6Port = asked } : real);
        }

        return Answer(call, socket, InetEndpoint.FromV4(VirtualLocal(socket, real.V4)));
    }

    /// <summary>getpeername: a server reached through ax shows as the service address the app dialled.</summary>
    private Outcome HandleGetPeerName(in Notification call, NodeSocket socket)
    {
        Errno error = socket.TryGetPeerName(out InetEndpoint peer);
        if (error != Errno.None)
        {
            return Outcome.Fail(error);
        }

        if (!peer.IsIpv4)
        {
            // The app's own IPv6-only wildcard listener, dialled at [::1]:port, is at [::1]:pool-port.
            return Answer(call, socket, TryGetOwnIpv6OnlyPort(peer, out ushort dialledPort) ? peer with { Ipv6Port = dialledPort } : peer);
        }

        Ipv4Endpoint real = peer.V4;
        Ipv4Endpoint shown = real;
        if (((!_node.VServices.Current.IsEmpty || real.Address == _node.NodeIp) &&
             _node.PeerAddresses?.TryGetDialled(socket.Handle, real, out Ipv4Endpoint dialled) == true) ||
            (!_node.VServiceClients.IsEmpty &&
             VServiceClientMap.TryGetCookie(socket, out ulong cookie) == Errno.None &&
             _node.VServiceClients.TryGetDialled(cookie, real, out dialled)))
        {
            shown = dialled;
        }
        else if (_node.Services.Current.TryFindByHost(socket.Proto, real, out ServiceEntry? server))
        {
            shown = server!.ServiceAddr;
        }
        else if (real.Address == _node.NodeIp && _node.Clients.TryGetOrWait(real, out uint clientIp))
        {
            shown = real.WithAddress(clientIp);
        }

        return Answer(call, socket, InetEndpoint.FromV4(shown));
    }

    /// <summary>
    /// Whether <paramref name="real"/> is [::1]:pool-port where ax put one of this app's IPv6-only wildcard
    /// sockets (<see cref="BindIpv6"/>); <paramref name="askedPort"/> is the port the app bound.
    /// </summary>
    private bool TryGetOwnIpv6OnlyPort(in InetEndpoint real, out ushort askedPort)
    {
        askedPort = 0;
        if (!real.IsIpv6Loopback || !_node.Bindings.TryGet(real.Port, out Binding? binding) || !binding!.OnIpv6Loopback || binding.AppId != _app.Id)
        {
            return false;
        }

        askedPort = binding.VirtualAddr.Port;
        return true;
    }

    private Ipv4Endpoint VirtualLocal(NodeSocket socket, Ipv4Endpoint real)
    {
        if (real.Address != _node.NodeIp)
        {
            return real;
        }

        if (_node.Bindings.TryGet(real.Port, out Binding? binding) && binding!.AppId == _app.Id)
        {
            // A wildcard bind reads back as 0.0.0.0 until the socket is connected (accepted), as in the kernel.
            return binding.VirtualAddr.IsAnyAddress && socket.TryGetPeerName(out _) == Errno.None
                ? binding.VirtualAddr.WithAddress(_app.Ip)
                : binding.VirtualAddr;
        }

        // A connection the app made: its own IP, or what the server it reached sees it as (loopback, for
        // a connect to its own listener).
        uint shownAs = 0;
        bool recorded = _node.PeerAddresses?.TryGetShownIp(socket.Handle, out shownAs) ?? _node.Clients.TryGet(real, out shownAs);
        return real.WithAddress(recorded ? shownAs : _app.Ip);
    }

    private Outcome Answer(in Notification call, NodeSocket socket, in InetEndpoint shown)
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

        Errno error = SockAddrReader.TryWrite(call.Pid, call.Arg1, lengthPointer, bufferLength, socket.Family, shown);
        return error == Errno.None ? Outcome.Success : Outcome.Fail(error);
    }
}
