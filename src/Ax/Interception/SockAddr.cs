using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Ax.Addressing;

namespace Ax.Interception;

/// <summary>
/// sockaddr_in and sockaddr_in6 to and from <see cref="InetEndpoint"/>. An AF_INET6 socket spells an IPv4
/// endpoint as the IPv4-mapped address, and the IPv4 wildcard as <c>::</c>, which is how a dual-stack
/// socket (IPV6_V6ONLY off, ipv6(7)) binds, connects and reports IPv4 peers.
/// </summary>
internal static class SockAddr
{
    internal const int InSize = 16;

    internal const int In6Size = 28;

    /// <summary>The shortest sockaddr_in6 the kernel accepts: RFC 2133's, without sin6_scope_id (SIN6_LEN_RFC2133).</summary>
    internal const int In6MinSize = 24;

    /// <summary>
    /// Writes <paramref name="endpoint"/> as a socket of <paramref name="family"/> takes it; returns the length.
    /// The IPv4 wildcard is <c>::</c> where it names a local address (bind, getsockname: the dual-stack
    /// wildcard) and <c>::ffff:0.0.0.0</c> where it is dialled (connect, sendto: the kernel dials IPv4
    /// loopback for it, where <c>::</c> would be IPv6 loopback).
    /// </summary>
    internal static unsafe int Encode(int family, in InetEndpoint endpoint, Span<byte> into, bool isLocal)
    {
        if (family == Interop.Libc.AF_INET)
        {
            var v4 = endpoint.V4.ToSockAddr();
            MemoryMarshal.Write(into, in v4);
            return InSize;
        }

        UInt128 address = !endpoint.IsIpv4 ? endpoint.Ipv6
            : endpoint.V4.IsAnyAddress && isLocal ? UInt128.Zero
            : ((UInt128)InetEndpoint.MappedPrefix << 32) | endpoint.V4.Address;
        var v6 = new Interop.Libc.SockAddrIn6
        {
            Family = Interop.Libc.AF_INET6,
            PortBigEndian = BinaryPrimitives.ReverseEndianness(endpoint.Port),
            ScopeId = endpoint.IsIpv4 ? 0 : endpoint.ScopeId,
        };
        BinaryPrimitives.WriteUInt128BigEndian(new Span<byte>(v6.Address, 16), address);
        MemoryMarshal.Write(into, in v6);
        return In6Size;
    }

    /// <summary>Reads an AF_INET or AF_INET6 address the kernel wrote; false for any other family.</summary>
    internal static unsafe bool TryDecode(ReadOnlySpan<byte> raw, out InetEndpoint endpoint)
    {
        endpoint = default;
        ushort family = MemoryMarshal.Read<ushort>(raw);
        if (family == Interop.Libc.AF_INET && raw.Length >= InSize)
        {
            endpoint = InetEndpoint.FromV4(Ipv4Endpoint.FromSockAddr(MemoryMarshal.Read<Interop.Libc.SockAddrIn>(raw)));
            return true;
        }

        if (family == Interop.Libc.AF_INET6 && raw.Length >= In6MinSize)
        {
            Span<byte> full = stackalloc byte[In6Size];
            full.Clear();
            raw[..Math.Min(raw.Length, In6Size)].CopyTo(full);
            var v6 = MemoryMarshal.Read<Interop.Libc.SockAddrIn6>(full);
            UInt128 address = BinaryPrimitives.ReadUInt128BigEndian(new ReadOnlySpan<byte>(v6.Address, 16));
            endpoint = InetEndpoint.FromV6(address, BinaryPrimitives.ReverseEndianness(v6.PortBigEndian), v6.ScopeId);
            return true;
        }

        return false;
    }
}
