using Ax.Guard;

namespace Ax.Tests.Guard;

public sealed class UdpGuardKeyTests
{
    [Fact]
    public void Encode_WritesTheAddressAndPortInNetworkOrder_AsTheProgramStoresUserIp4AndUserPort()
    {
        Span<byte> key = stackalloc byte[UdpGuardKey.Size];
        key.Fill(0xff);

        new UdpGuardKey((10u << 24) | (1u << 16) | (2u << 8) | 3u, 5300).Encode(key);

        // 10.1.2.3, then 5300 = 0x14b4 big-endian in the low half of user_port's word, then its zero high half.
        Assert.Equal(new byte[] { 10, 1, 2, 3, 0x14, 0xb4, 0, 0 }, key.ToArray());
    }

    [Fact]
    public void AnyPort_IsPortZero_WhichTheProgramLooksUpSecond()
    {
        Span<byte> key = stackalloc byte[UdpGuardKey.Size];

        UdpGuardKey.AnyPort((198u << 24) | (18u << 16) | 5u).Encode(key);

        Assert.Equal(new byte[] { 198, 18, 0, 5, 0, 0, 0, 0 }, key.ToArray());
    }
}
