using System.Runtime.InteropServices;
using Ax.Addressing;

namespace Ax.Interception;

/// <summary>Reads a sockaddr argument out of the app, with the checks inet_bind/inet_connect and their IPv6 twins make.</summary>
internal static class SockAddrReader
{
    /// <summary>
    /// Reads the address an app passed for a socket of <paramref name="socketFamily"/>; AF_UNSPEC comes back as
    /// <paramref name="isUnspecified"/>. An AF_INET6 datagram socket also takes an AF_INET address, as
    /// udpv6_sendmsg and ip6_datagram_connect do; an AF_INET6 stream socket refuses it (tcp_v6_connect).
    /// </summary>
    internal static Errno TryRead(int pid, ulong pointer, ulong length, int socketFamily, bool isDatagram, out InetEndpoint endpoint, out bool isUnspecified)
    {
        endpoint = default;
        isUnspecified = false;
        uint addressLength = unchecked((uint)length);
        if (addressLength < 2)
        {
            return Errno.EINVAL;
        }

        Span<byte> raw = stackalloc byte[SockAddr.In6Size];
        raw.Clear();
        int toRead = (int)Math.Min(addressLength, SockAddr.In6Size);
        if (!AppMemory.TryRead(pid, pointer, raw[..toRead]))
        {
            return Errno.EFAULT;
        }

        ushort family = MemoryMarshal.Read<ushort>(raw);
        if (family == Interop.Libc.AF_UNSPEC)
        {
            isUnspecified = true;
            var v4 = Ipv4Endpoint.FromSockAddr(MemoryMarshal.Read<Interop.Libc.SockAddrIn>(raw));
            endpoint = InetEndpoint.FromV4(v4);
            return addressLength < SockAddr.InSize && v4.Address != 0 ? Errno.EINVAL : Errno.None;
        }

        if (family == Interop.Libc.AF_INET6 && socketFamily == Interop.Libc.AF_INET6)
        {
            return addressLength < SockAddr.In6MinSize || !SockAddr.TryDecode(raw[..toRead], out endpoint) ? Errno.EINVAL : Errno.None;
        }

        if (family == Interop.Libc.AF_INET && (socketFamily == Interop.Libc.AF_INET || isDatagram))
        {
            return addressLength < SockAddr.InSize || !SockAddr.TryDecode(raw[..SockAddr.InSize], out endpoint) ? Errno.EINVAL : Errno.None;
        }

        int minimum = socketFamily == Interop.Libc.AF_INET6 ? SockAddr.In6MinSize : SockAddr.InSize;
        return addressLength < minimum ? Errno.EINVAL : Errno.EAFNOSUPPORT;
    }

    /// <summary>
    /// Writes an address back the way getsockname(2) does, in the socket's family: as many bytes as the
    /// app's buffer holds, and the full length into *addrlen.
    /// </summary>
    internal static Errno TryWrite(int pid, ulong pointer, ulong lengthPointer, int bufferLength, int socketFamily, in InetEndpoint endpoint)
    {
        Span<byte> raw = stackalloc byte[SockAddr.In6Size];
        raw.Clear();
        int size = SockAddr.Encode(socketFamily, endpoint, raw, isLocal: true);
        int toWrite = Math.Min(bufferLength, size);
        Span<byte> length = stackalloc byte[4];
        BitConverter.TryWriteBytes(length, size);
        return AppMemory.TryWrite(pid, pointer, raw[..toWrite]) && AppMemory.TryWrite(pid, lengthPointer, length)
            ? Errno.None
            : Errno.EFAULT;
    }
}
