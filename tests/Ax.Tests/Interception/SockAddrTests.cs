using System.Net;
using System.Net.Sockets;
using Ax.Addressing;
using Ax.Interception;

namespace Ax.Tests.Interception;

/// <summary>sockaddr_in6 as ax reads and writes it for AF_INET6 sockets, checked against .NET's own SocketAddress.</summary>
public sealed class SockAddrTests
{
    [Theory]
    [InlineData("::ffff:1.2.3.4", 8080, true, "1.2.3.4:8080")]
    [InlineData("::", 80, false, "[::]:80")]
    [InlineData("::1", 443, false, "[::1]:443")]
    [InlineData("2001:db8::7", 53, false, "[2001:db8::7]:53")]
    public void Decode_ReadsWhatTheKernelWrites_IPv4MappedAsIPv4(string address, int port, bool isIpv4, string shown)
    {
        byte[] raw = SocketAddressBytes(new IPEndPoint(IPAddress.Parse(address), port));

        Assert.True(SockAddr.TryDecode(raw, out InetEndpoint endpoint));

        Assert.Equal(isIpv4, endpoint.IsIpv4);
        Assert.Equal(port, endpoint.Port);
        Assert.Equal(shown, endpoint.ToString());
    }

    [Theory]
    [InlineData("1.2.3.4", 8080, false, "::ffff:1.2.3.4")]
    [InlineData("0.0.0.0", 80, true, "::")]                // a local wildcard is the dual-stack one
    [InlineData("0.0.0.0", 80, false, "::ffff:0.0.0.0")]   // a dialled one is IPv4's, which the kernel dials as 127.0.0.1
    public void Encode_ForAnAfInet6Socket_SpellsIpv4AsMapped(string address, int port, bool isLocal, string expected)
    {
        var endpoint = InetEndpoint.FromV4(new Ipv4Endpoint(IPv4(address), (ushort)port));
        Span<byte> raw = stackalloc byte[SockAddr.In6Size];

        int length = SockAddr.Encode(AddressFamilyInet6, endpoint, raw, isLocal);

        Assert.Equal(SockAddr.In6Size, length);
        var parsed = (IPEndPoint)new IPEndPoint(IPAddress.IPv6Any, 0).Create(ToSocketAddress(raw[..length]));
        Assert.Equal(IPAddress.Parse(expected), parsed.Address);
        Assert.Equal(port, parsed.Port);
    }

    [Fact]
    public void Encode_ForAnAfInetSocket_IsASockaddrIn()
    {
        var endpoint = InetEndpoint.FromV4(new Ipv4Endpoint(IPv4("10.1.2.3"), 99));
        Span<byte> raw = stackalloc byte[SockAddr.In6Size];

        int length = SockAddr.Encode(2, endpoint, raw, isLocal: false);

        Assert.Equal(SockAddr.InSize, length);
        Assert.True(SockAddr.TryDecode(raw[..length], out InetEndpoint back));
        Assert.Equal(endpoint, back);
    }

    [Fact]
    public void Decode_RefusesShortAndForeignAddresses()
    {
        byte[] v6 = SocketAddressBytes(new IPEndPoint(IPAddress.IPv6Loopback, 1));

        Assert.False(SockAddr.TryDecode(v6.AsSpan(0, SockAddr.In6MinSize - 1), out _));
        Assert.True(SockAddr.TryDecode(v6.AsSpan(0, SockAddr.In6MinSize), out _)); // RFC 2133's, without the scope id
        v6[0] = 1; // AF_UNIX
        Assert.False(SockAddr.TryDecode(v6, out _));
    }

    private const int AddressFamilyInet6 = 10;

    private static uint IPv4(string text)
    {
        Assert.True(Ipv4Endpoint.TryParseAddress(text, out uint address));
        return address;
    }

    private static byte[] SocketAddressBytes(IPEndPoint endpoint)
    {
        SocketAddress address = endpoint.Serialize();
        byte[] raw = new byte[address.Size];
        for (int i = 0; i < raw.Length; i++)
        {
            raw[i] = address[i];
        }

        return raw;
    }

    private static SocketAddress ToSocketAddress(ReadOnlySpan<byte> raw)
    {
        var address = new SocketAddress(AddressFamily.InterNetworkV6, raw.Length);
        for (int i = 0; i < raw.Length; i++)
        {
            address[i] = raw[i];
        }

        return address;
    }
}
