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

    internal static Errno TryGetSockName(int fd, out Ipv4Endpoint endpoint, out int family)
    {
        Interop.Libc.SockAddrIn address = default;
        uint length = (uint)sizeof(Interop.Libc.SockAddrIn);
        if (Interop.Libc.GetSockName(fd, &address, &length) != 0)
        {
            endpoint = default;
            family = 0;
            return Interop.LastErrno();
        }

        family = address.Family;
        endpoint = Ipv4Endpoint.FromSockAddr(address);
        return Errno.None;
    }

    internal static Errno TryGetPeerName(int fd, out Ipv4Endpoint endpoint)
    {
        Interop.Libc.SockAddrIn address = default;
        uint length = (uint)sizeof(Interop.Libc.SockAddrIn);
        if (Interop.Libc.GetPeerName(fd, &address, &length) != 0)
        {
            endpoint = default;
            return Interop.LastErrno();
        }

        endpoint = Ipv4Endpoint.FromSockAddr(address);
        return Errno.None;
    }

    internal static int Bind(int fd, Ipv4Endpoint endpoint)
    {
        var address = endpoint.ToSockAddr();
        return Interop.Libc.Bind(fd, &address, (uint)sizeof(Interop.Libc.SockAddrIn));
    }

    internal static int Connect(int fd, Ipv4Endpoint endpoint)
    {
        var address = endpoint.ToSockAddr();
        return Interop.Libc.Connect(fd, &address, (uint)sizeof(Interop.Libc.SockAddrIn));
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

    internal static nint SendTo(int fd, ReadOnlySpan<byte> data, int flags, Ipv4Endpoint endpoint)
    {
        var address = endpoint.ToSockAddr();
        fixed (byte* buffer = data)
        {
            return Interop.Libc.SendTo(fd, buffer, (nuint)data.Length, flags, &address, (uint)sizeof(Interop.Libc.SockAddrIn));
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
