using System.Runtime.InteropServices;
using Ax.Addressing;

namespace Ax.Interception;

/// <summary>Reads a sockaddr argument out of the app, with the checks inet_bind/inet_connect make.</summary>
internal static class SockAddrReader
{
    internal const int SockAddrInSize = 16;

    /// <summary>Reads an AF_INET address; AF_UNSPEC comes back as <paramref name="isUnspecified"/>.</summary>
    internal static Errno TryRead(int pid, ulong pointer, ulong length, out Ipv4Endpoint endpoint, out bool isUnspecified)
    {
        endpoint = default;
        isUnspecified = false;
        uint addressLength = unchecked((uint)length);
        if (addressLength < 2)
        {
            return Errno.EINVAL;
        }

        Span<byte> raw = stackalloc byte[SockAddrInSize];
        raw.Clear();
        int toRead = (int)Math.Min(addressLength, SockAddrInSize);
        if (!AppMemory.TryRead(pid, pointer, raw[..toRead]))
        {
            return Errno.EFAULT;
        }

        var sockAddr = MemoryMarshal.Read<Interop.Libc.SockAddrIn>(raw);
        if (sockAddr.Family == Interop.Libc.AF_UNSPEC)
        {
            isUnspecified = true;
            endpoint = Ipv4Endpoint.FromSockAddr(sockAddr);
            return addressLength < SockAddrInSize && endpoint.Address != 0 ? Errno.EINVAL : Errno.None;
        }

        if (addressLength < SockAddrInSize)
        {
            return Errno.EINVAL;
        }

        if (sockAddr.Family != Interop.Libc.AF_INET)
        {
            return Errno.EAFNOSUPPORT;
        }

        endpoint = Ipv4Endpoint.FromSockAddr(sockAddr);
        return Errno.None;
    }

    /// <summary>
    /// Writes an address back the way getsockname(2) does: as many bytes as the app's buffer holds, and
    /// the full length into *addrlen.
    /// </summary>
    internal static Errno TryWrite(int pid, ulong pointer, ulong lengthPointer, int bufferLength, Ipv4Endpoint endpoint)
    {
        Span<byte> raw = stackalloc byte[SockAddrInSize];
        var sockAddr = endpoint.ToSockAddr();
        MemoryMarshal.Write(raw, in sockAddr);
        int toWrite = Math.Min(bufferLength, SockAddrInSize);
        Span<byte> length = stackalloc byte[4];
        BitConverter.TryWriteBytes(length, SockAddrInSize);
        return AppMemory.TryWrite(pid, pointer, raw[..toWrite]) && AppMemory.TryWrite(pid, lengthPointer, length)
            ? Errno.None
            : Errno.EFAULT;
    }
}
