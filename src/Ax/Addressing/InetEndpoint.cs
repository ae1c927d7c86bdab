using System.Globalization;

namespace Ax.Addressing;

/// <summary>
/// An endpoint as a socket of either family names it. ax's tables are IPv4, so an AF_INET6 socket's
/// IPv4-mapped address (<c>::ffff:a.b.c.d</c>, RFC 4291 2.5.5.2) is that IPv4 endpoint
/// (<see cref="IsIpv4"/>); every other IPv6 address, the wildcard <c>::</c> and loopback <c>::1</c>
/// among them, is kept as it is (<see cref="Ipv6"/>, most significant byte first).
/// </summary>
internal readonly record struct InetEndpoint(bool IsIpv4, Ipv4Endpoint V4, UInt128 Ipv6, ushort Ipv6Port, uint ScopeId)
{
    internal const uint MappedPrefix = 0xffff;

    internal static readonly UInt128 Ipv6Loopback = 1;

    internal ushort Port => IsIpv4 ? V4.Port : Ipv6Port;

    internal bool IsIpv6Any => !IsIpv4 && Ipv6 == UInt128.Zero;

    internal bool IsIpv6Loopback => !IsIpv4 && Ipv6 == Ipv6Loopback;

    internal static InetEndpoint FromV4(Ipv4Endpoint endpoint) => new(true, endpoint, UInt128.Zero, 0, 0);

    /// <summary>An IPv6 address; an IPv4-mapped one comes back as the IPv4 endpoint it names.</summary>
    internal static InetEndpoint FromV6(UInt128 address, ushort port, uint scopeId) =>
        (address >> 32) == MappedPrefix
            ? FromV4(new Ipv4Endpoint((uint)address, port))
            : new(false, default, address, port, scopeId);

    internal InetEndpoint WithPort(ushort port) => IsIpv4 ? FromV4(V4.WithPort(port)) : this with { Ipv6Port = port };

    public override string ToString() => IsIpv4 ? V4.ToString() : $"[{FormatIpv6(Ipv6)}]:{Ipv6Port.ToString(CultureInfo.InvariantCulture)}";

    internal static string FormatIpv6(UInt128 address)
    {
        Span<byte> bytes = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(bytes, address);
        return new System.Net.IPAddress(bytes).ToString();
    }
}
