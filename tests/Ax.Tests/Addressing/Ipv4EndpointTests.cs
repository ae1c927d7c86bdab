using Ax.Addressing;

namespace Ax.Tests.Addressing;

public sealed class Ipv4EndpointTests
{
    [Theory]
    [InlineData("1.1.1.1", 0x01010101u)]
    [InlineData("10.213.4.1", 0x0AD50401u)]
    [InlineData("255.255.255.255", 0xFFFFFFFFu)]
    public void TryParseAddress_AcceptsDottedQuads(string text, uint expected)
    {
        Assert.True(Ipv4Endpoint.TryParseAddress(text, out uint address));
        Assert.Equal(expected, address);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1.1.1")]
    [InlineData("1.1.1.1.1")]
    [InlineData("256.1.1.1")]
    [InlineData("1..1.1")]
    [InlineData("a.b.c.d")]
    [InlineData("1.1.1.1 ")]
    [InlineData("-1.1.1.1")]
    [InlineData("1111.1.1.1")]
    public void TryParseAddress_RejectsAnythingElse(string text) =>
        Assert.False(Ipv4Endpoint.TryParseAddress(text, out _));

    [Fact]
    public void SockAddr_RoundTripsInNetworkByteOrder()
    {
        var endpoint = new Ipv4Endpoint(0x01020304, 8000);

        var sockAddr = endpoint.ToSockAddr();

        Assert.Equal(0x04030201u, sockAddr.AddressBigEndian);
        Assert.Equal((ushort)0x401F, sockAddr.PortBigEndian);
        Assert.Equal(endpoint, Ipv4Endpoint.FromSockAddr(sockAddr));
        Assert.Equal("1.2.3.4:8000", endpoint.ToString());
    }

    [Fact]
    public void IPAddress_RoundTripsInHostOrder_AndIpv6IsRefused()
    {
        var ip = Ipv4Endpoint.ToIPAddress(0x0AD5C801);

        Assert.Equal("10.213.200.1", ip.ToString());
        Assert.True(Ipv4Endpoint.TryFromIPAddress(ip, out uint back));
        Assert.Equal(0x0AD5C801u, back);
        Assert.False(Ipv4Endpoint.TryFromIPAddress(System.Net.IPAddress.IPv6Loopback, out _));
    }
}
