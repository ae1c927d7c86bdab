using System.Buffers;
using System.Text;
using Ax.Interception;

namespace Ax.Control;

/// <summary>
/// A UNIX SOCK_SEQPACKET socket: message boundaries are kept, and a descriptor can ride along with a
/// message (SCM_RIGHTS, unix(7)). This is how a launcher hands its seccomp listener to the daemon.
/// Written on raw calls because System.Net.Sockets cannot pass descriptors.
/// </summary>
internal sealed unsafe class SeqpacketSocket : IDisposable
{
    internal const int MaxMessage = 64 * 1024;

    private SeqpacketSocket(OwnedFd fd) => Handle = fd;

    internal OwnedFd Handle { get; }

    internal static Errno TryConnect(string path, out SeqpacketSocket? socket)
    {
        socket = null;
        int fd = Interop.Libc.Socket(Interop.Libc.AF_UNIX, Interop.Libc.SOCK_SEQPACKET | Interop.Libc.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            return Interop.LastErrno();
        }

        var owned = new OwnedFd(fd);
        var address = MakeAddress(path);
        if (Interop.Libc.Connect(fd, &address, (uint)sizeof(Interop.Libc.SockAddrUn)) != 0)
        {
            Errno error = Interop.LastErrno();
            owned.Dispose();
            return error;
        }

        socket = new SeqpacketSocket(owned);
        return Errno.None;
    }

    internal static Errno TryListen(string path, out SeqpacketSocket? socket)
    {
        socket = null;
        int fd = Interop.Libc.Socket(Interop.Libc.AF_UNIX, Interop.Libc.SOCK_SEQPACKET | Interop.Libc.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            return Interop.LastErrno();
        }

        var owned = new OwnedFd(fd);
        var address = MakeAddress(path);
        if (Interop.Libc.Bind(fd, &address, (uint)sizeof(Interop.Libc.SockAddrUn)) != 0 || Interop.Libc.Listen(fd, 128) != 0)
        {
            Errno error = Interop.LastErrno();
            owned.Dispose();
            return error;
        }

        socket = new SeqpacketSocket(owned);
        return Errno.None;
    }

    internal Errno TryAccept(out SeqpacketSocket? connection)
    {
        connection = null;
        long fd = Interop.RetryOnEintr(Handle.Fd, static listener => Interop.Libc.Accept4(listener, null, null, Interop.Libc.SOCK_CLOEXEC));
        if (fd < 0)
        {
            return Interop.LastErrno();
        }

        connection = new SeqpacketSocket(new OwnedFd((int)fd));
        return Errno.None;
    }

    /// <summary>Bounds every receive on this connection, so a stalled peer cannot hold the daemon.</summary>
    internal void SetReceiveTimeout(TimeSpan timeout)
    {
        long* timeval = stackalloc long[2];
        timeval[0] = (long)timeout.TotalSeconds;
        timeval[1] = timeout.Milliseconds * 1000L;
        Interop.Libc.SetSockOpt(Handle.Fd, Interop.Libc.SOL_SOCKET, Interop.Libc.SO_RCVTIMEO, timeval, 16);
    }

    /// <summary>Bounds every send on this connection, so a peer that stops reading cannot hold the sender.</summary>
    internal void SetSendTimeout(TimeSpan timeout)
    {
        long* timeval = stackalloc long[2];
        timeval[0] = (long)timeout.TotalSeconds;
        timeval[1] = timeout.Milliseconds * 1000L;
        Interop.Libc.SetSockOpt(Handle.Fd, Interop.Libc.SOL_SOCKET, Interop.Libc.SO_SNDTIMEO, timeval, 16);
    }

    internal Interop.Libc.UCred PeerCredentials()
    {
        Interop.Libc.UCred credentials = default;
        uint length = (uint)sizeof(Interop.Libc.UCred);
        Interop.Libc.GetSockOpt(Handle.Fd, Interop.Libc.SOL_SOCKET, Interop.Libc.SO_PEERCRED, &credentials, &length);
        return credentials;
    }

    internal Errno TrySend(string text, int fdToPass = -1) => TrySend(Encoding.UTF8.GetBytes(text), fdToPass);

    internal Errno TrySend(ReadOnlySpan<byte> payload, int fdToPass = -1)
    {
        fixed (byte* data = payload)
        {
            var iov = new Interop.Libc.IoVec { Base = data, Length = (nuint)payload.Length };
            var control = new Interop.Libc.CmsgOneFd
            {
                Length = (nuint)(sizeof(Interop.Libc.CmsgOneFd) - sizeof(int)),
                Level = Interop.Libc.SOL_SOCKET_LEVEL,
                Type = Interop.Libc.SCM_RIGHTS,
                Fd = fdToPass,
            };
            var message = new Interop.Libc.MsgHdr
            {
                Iov = &iov,
                IovLength = 1,
                Control = fdToPass >= 0 ? &control : null,
                ControlLength = fdToPass >= 0 ? (nuint)sizeof(Interop.Libc.CmsgOneFd) : 0,
            };
            long sent = Interop.RetryOnEintr(
                (Fd: Handle.Fd, Message: (nint)(&message)),
                static s => Interop.Libc.SendMsg(s.Fd, (Interop.Libc.MsgHdr*)s.Message, Interop.Libc.MSG_NOSIGNAL));
            return sent >= 0 ? Errno.None : Interop.LastErrno();
        }
    }

    /// <summary>Receives one message and, if one came with it, a descriptor (already close-on-exec).</summary>
    internal Errno TryReceive(out string text, out OwnedFd? passedFd)
    {
        // Pooled and not zeroed: the kernel writes what is read. A fresh 64 KiB array per message (up to
        // three per launch) is garbage the GC must make room for: daemon RSS with 100 apps 17.5-17.8 MiB
        // pooled, 19.2-19.3 MiB with the build before (make bench, memory workload, alternating runs).
        byte[] buffer = ArrayPool<byte>.Shared.Rent(MaxMessage);
        try
        {
            return Receive(buffer, out text, out passedFd);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private Errno Receive(byte[] buffer, out string text, out OwnedFd? passedFd)
    {
        text = string.Empty;
        passedFd = null;
        fixed (byte* data = buffer)
        {
            var iov = new Interop.Libc.IoVec { Base = data, Length = MaxMessage };
            Interop.Libc.CmsgOneFd control = default;
            var message = new Interop.Libc.MsgHdr
            {
                Iov = &iov,
                IovLength = 1,
                Control = &control,
                ControlLength = (nuint)sizeof(Interop.Libc.CmsgOneFd),
            };
            long received = Interop.RetryOnEintr(
                (Fd: Handle.Fd, Message: (nint)(&message)),
                static s => Interop.Libc.RecvMsg(s.Fd, (Interop.Libc.MsgHdr*)s.Message, Interop.Libc.MSG_CMSG_CLOEXEC));
            if (received < 0)
            {
                return Interop.LastErrno();
            }

            if (message.ControlLength >= (nuint)(sizeof(Interop.Libc.CmsgOneFd) - sizeof(int)) &&
                control.Level == Interop.Libc.SOL_SOCKET_LEVEL && control.Type == Interop.Libc.SCM_RIGHTS)
            {
                passedFd = new OwnedFd(control.Fd);
            }

            if (received == 0)
            {
                return Errno.ECONNRESET; // the peer closed
            }

            text = Encoding.UTF8.GetString(buffer, 0, (int)received);
            return Errno.None;
        }
    }

    private static Interop.Libc.SockAddrUn MakeAddress(string path)
    {
        var address = new Interop.Libc.SockAddrUn { Family = Interop.Libc.AF_UNIX };
        byte[] bytes = Encoding.UTF8.GetBytes(path);
        if (bytes.Length >= 108)
        {
            throw new ArgumentException($"the socket path '{path}' is longer than the 107 bytes a UNIX socket allows; use a shorter --run-dir", nameof(path));
        }

        for (int i = 0; i < bytes.Length; i++)
        {
            address.Path[i] = bytes[i];
        }

        return address;
    }

    public void Dispose() => Handle.Dispose();
}
