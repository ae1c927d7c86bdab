using Ax.Addressing;

namespace Ax.Interception;

/// <summary>Small wrappers over the socket calls the daemon makes on its copies of app sockets.</summary>
internal static unsafe class SocketCalls
{
    internal static Errno TryGetIntOption(int fd, int level, int name, out int value)
    {
        int result = 0;
        uint length = sizeof(int);
        if (Interop.Libc.GetSockOpt(fd, level, name, &result, &length) != 0)
        {
            value = 0;
            return Interop.LastErrno();
        }

        value = result;
        return Errno.None;
    }

    internal static Errno TryGetSockName(int fd, out InetEndpoint endpoint) => TryGetName(fd, peer: false, out endpoint);

    internal static Errno TryGetPeerName(int fd, out InetEndpoint endpoint) => TryGetName(fd, peer: true, out endpoint);

    private static Errno TryGetName(int fd, bool peer, out InetEndpoint endpoint)
    {
        byte* raw = stackalloc byte[SockAddr.In6Size];
        uint length = SockAddr.In6Size;
        int result = peer ? Interop.Libc.GetPeerName(fd, raw, &length) : Interop.Libc.GetSockName(fd, raw, &length);
        if (result != 0)
        {
            endpoint = default;
            return Interop.LastErrno();
        }

        return SockAddr.TryDecode(new ReadOnlySpan<byte>(raw, (int)Math.Min(length, SockAddr.In6Size)), out endpoint) ? Errno.None : Errno.EAFNOSUPPORT;
    }

    internal static int Bind(int fd, int family, in InetEndpoint endpoint)
    {
        byte* raw = stackalloc byte[SockAddr.In6Size];
        int length = SockAddr.Encode(family, endpoint, new Span<byte>(raw, SockAddr.In6Size), isLocal: true);
        return Interop.Libc.Bind(fd, raw, (uint)length);
    }

    internal static int Connect(int fd, int family, in InetEndpoint endpoint)
    {
        byte* raw = stackalloc byte[SockAddr.In6Size];
        int length = SockAddr.Encode(family, endpoint, new Span<byte>(raw, SockAddr.In6Size), isLocal: false);
        return Interop.Libc.Connect(fd, raw, (uint)length);
    }

    /// <summary>
    /// Polls a connecting socket once, without waiting: true when the kernel has decided, with the
    /// connect's result in <paramref name="result"/> (SO_ERROR, as a blocking connect would return it).
    /// </summary>
    internal static bool TryCompleteNow(int fd, out Errno result)
    {
        var poll = new Interop.Libc.PollFd { Fd = fd, Events = Interop.Libc.POLLOUT };
        if (Interop.Libc.Poll(&poll, 1, 0) != 1 || (poll.REvents & (Interop.Libc.POLLOUT | Interop.Libc.POLLERR | Interop.Libc.POLLHUP)) == 0)
        {
            result = Errno.None;
            return false;
        }

        if ((poll.REvents & (Interop.Libc.POLLERR | Interop.Libc.POLLHUP)) == 0)
        {
            // Writable with no error pending: connected, and SO_ERROR would only say 0.
            result = Errno.None;
            return true;
        }

        Errno error = TryGetIntOption(fd, Interop.Libc.SOL_SOCKET, Interop.Libc.SO_ERROR, out int soError);
        result = error != Errno.None ? error : (Errno)soError;
        return true;
    }

    internal static nint SendTo(int fd, ReadOnlySpan<byte> data, int flags, int family, in InetEndpoint endpoint)
    {
        byte* raw = stackalloc byte[SockAddr.In6Size];
        int length = SockAddr.Encode(family, endpoint, new Span<byte>(raw, SockAddr.In6Size), isLocal: false);
        fixed (byte* buffer = data)
        {
            return Interop.Libc.SendTo(fd, buffer, (nuint)data.Length, flags, raw, (uint)length);
        }
    }

    /// <summary>connect(AF_UNSPEC): dissolves a datagram socket's association (connect(2)).</summary>
    internal static int Disconnect(int fd)
    {
        var address = new Interop.Libc.SockAddrIn { Family = Interop.Libc.AF_UNSPEC };
        return Interop.Libc.Connect(fd, &address, (uint)sizeof(Interop.Libc.SockAddrIn));
    }

    /// <summary>The socket's inode, the key /proc/net/tcp lists it by (from fstat's st_ino).</summary>
    internal static ulong Inode(int fd)
    {
        Span<byte> stat = stackalloc byte[144]; // struct stat, <asm/stat.h> on x86-64; st_ino is at offset 8
        fixed (byte* buffer = stat)
        {
            return Interop.Libc.Fstat(fd, buffer) == 0 ? BitConverter.ToUInt64(stat[8..]) : 0;
        }
    }
}
