using System.Buffers;
using Ax.Addressing;
using Ax.Policy;
using Ax.Routing;
using Ax.ServiceTable;

namespace Ax.Interception;

internal sealed partial class SyscallHandler
{
    /// <summary>The largest datagram the daemon sends for an app: an IPv4 UDP payload can be no larger.</summary>
    private const int MaxDatagram = 65507;

    /// <summary>
    /// sendto(fd, buf, len, flags, addr) with an address, on a node socket. TCP ignores the address unless
    /// MSG_FASTOPEN asks it to connect, which would dial past the router: that is refused with
    /// EOPNOTSUPP, the kernel's own answer when fast open is off, so apps fall back to connect. A datagram
    /// is routed like a connect (labels, virtual IPs, refusal) and sent by the daemon, from the bytes it
    /// read, to where the router says.
    /// </summary>
    private Outcome HandleSendTo(in Notification call, NodeSocket socket)
    {
        int flags = unchecked((int)call.Arg3);
        if (socket.Type == Interop.Libc.SOCK_STREAM)
        {
            return (flags & Interop.Libc.MSG_FASTOPEN) != 0 ? Outcome.Fail(Errno.EOPNOTSUPP) : Outcome.Continue;
        }

        Errno error = SockAddrReader.TryRead(call.Pid, call.Arg4, call.Arg5, socket.Family, isDatagram: true, out InetEndpoint asked, out bool unspecified);
        if (error != Errno.None)
        {
            return Outcome.Fail(error);
        }

        if (unspecified)
        {
            return Outcome.Fail(Errno.EAFNOSUPPORT);
        }

        if (call.Arg2 > MaxDatagram)
        {
            return Outcome.Fail(Errno.EMSGSIZE);
        }

        // A real IPv6 destination has no ax service behind it and is sent as it is, as IPv4 egress is.
        RouteDecision route = asked.IsIpv4 ? _node.Router.Route(_app, TransportProtocol.Udp, asked.V4) : RouteDecision.Egress(default);
        bool steered = asked.IsIpv4 && asked.Port == Dns.DnsServerList.DnsPort && TrySteerToAxDns(call.Pid, route, asked.V4, out route);
        // Perhaps a reply to the client IP a server's recvfrom showed (PeerAddresses/): the kernel decides.
        // The reply path sends through an AF_INET socket's IP_PKTINFO; an AF_INET6 server's reply is refused.
        bool reply = route.IsRefused && asked.IsIpv4 && !socket.IsIpv6 && _node.PeerAddresses?.MayBeReply(asked.V4) == true;
        if (route.IsRefused && !reply)
        {
            Log.ConnectRefused(_logger, _app.Id, asked.ToString());
            return Outcome.Fail(Errno.ECONNREFUSED);
        }

        InetEndpoint target = asked.IsIpv4 ? InetEndpoint.FromV4(route.Target) : asked;

        int length = (int)call.Arg2;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        try
        {
            if (!AppMemory.TryRead(call.Pid, call.Arg1, buffer.AsSpan(0, length)))
            {
                return Outcome.Fail(Errno.EFAULT);
            }

            if (!_listener.IsValid(call.Id))
            {
                return Outcome.Answered;
            }

            // Never block the app's session thread, and never take a SIGPIPE in the daemon.
            int sendFlags = flags | Interop.Libc.MSG_DONTWAIT | Interop.Libc.MSG_NOSIGNAL;
            if (reply)
            {
                error = PeerAddresses.PeerAddressRewriter.TrySendReply(socket.Handle, buffer.AsSpan(0, length), sendFlags, asked.V4, out nint replied);
                return error == Errno.None ? new Outcome(OutcomeKind.Value, replied, Errno.None) : Outcome.Fail(error);
            }

            if (_app.HasOwnIp && route.Server is not null && target.IsIpv4)
            {
                _node.PeerAddresses?.RecordClient(socket.Handle, _app.Ip);
            }

            if (steered)
            {
                // The answers come from ax's server; the app's recvfrom shows them from the nameserver it asked.
                _node.PeerAddresses?.RecordDialled(socket.Handle, asked.V4, route.Target);
            }

            nint sent = SocketCalls.SendTo(socket.Fd, buffer.AsSpan(0, length), sendFlags, socket.Family, target);
            return sent >= 0 ? new Outcome(OutcomeKind.Value, sent, Errno.None) : Outcome.Fail(Interop.LastErrno());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
