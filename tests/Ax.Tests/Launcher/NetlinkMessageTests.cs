using System.Buffers.Binary;
using Ax.Launcher;

namespace Ax.Tests.Launcher;

public sealed class NetlinkMessageTests
{
    [Fact]
    public void Message_PadsAttributesTo4Bytes_AndSetsEveryLength()
    {
        var message = new NetlinkMessage(16, 0x5, 7)
            .Fixed(new global::Interop.Netlink.IfInfoMsg())
            .Attribute(3, "eth0");
        int nested = message.BeginNested(18);
        message.Attribute(1, "veth");
        byte[] bytes = message.EndNested(nested).ToArray();

        // nlmsghdr 16 + ifinfomsg 16 + IFLA_IFNAME (4 + "eth0\0" = 9, padded to 12) + LINKINFO (4 + 12).
        Assert.Equal(16 + 16 + 12 + 16, bytes.Length);
        Assert.Equal((uint)bytes.Length, BinaryPrimitives.ReadUInt32LittleEndian(bytes));
        Assert.Equal(16, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(4)));
        Assert.Equal(7u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
        Assert.Equal(9, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(32)));
        Assert.Equal(16, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(44)));
        Assert.Equal(18 | 0x8000, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(46)));
    }

    [Fact]
    public void AddressAttribute_IsInNetworkByteOrder()
    {
        byte[] bytes = new NetlinkMessage(20, 0, 1).Attribute(2, (10u << 24) | 1).ToArray();

        Assert.Equal(new byte[] { 10, 0, 0, 1 }, bytes[20..24]);
    }
}
