using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Ax.Launcher;

/// <summary>
/// Builds one rtnetlink request: an nlmsghdr, a fixed header (ifinfomsg, ifaddrmsg) and attributes, each
/// padded to 4 bytes (NLMSG_ALIGN/RTA_ALIGN, netlink(7), rtnetlink(7)). Nested attributes are opened
/// with <see cref="BeginNested"/> and their length is patched by <see cref="EndNested"/>.
/// </summary>
internal sealed class NetlinkMessage
{
    private const int AttributeHeaderSize = 4;
    private readonly List<byte> _bytes = [];

    internal NetlinkMessage(ushort type, ushort flags, uint sequence)
    {
        var header = new Interop.Netlink.NlMsgHdr { Type = type, Flags = flags, Sequence = sequence };
        Append(MemoryMarshal.AsBytes(new ReadOnlySpan<Interop.Netlink.NlMsgHdr>(ref header)));
    }

    internal NetlinkMessage Fixed<T>(T value)
        where T : unmanaged
    {
        Append(MemoryMarshal.AsBytes(new ReadOnlySpan<T>(ref value)));
        return this;
    }

    internal NetlinkMessage Attribute(ushort type, ReadOnlySpan<byte> payload)
    {
        Span<byte> header = stackalloc byte[AttributeHeaderSize];
        BinaryPrimitives.WriteUInt16LittleEndian(header, (ushort)(AttributeHeaderSize + payload.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(header[2..], type);
        Append(header);
        Append(payload);
        return this;
    }

    /// <summary>A NUL-terminated string attribute (IFLA_IFNAME, IFLA_INFO_KIND).</summary>
    internal NetlinkMessage Attribute(ushort type, string text) => Attribute(type, Encoding.ASCII.GetBytes(text + "\0"));

    /// <summary>An IPv4 address attribute, in network byte order.</summary>
    internal NetlinkMessage Attribute(ushort type, uint address)
    {
        Span<byte> payload = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, address);
        return Attribute(type, payload);
    }

    internal int BeginNested(ushort type)
    {
        int start = _bytes.Count;
        Attribute((ushort)(type | Interop.Netlink.NLA_F_NESTED), ReadOnlySpan<byte>.Empty);
        return start;
    }

    internal NetlinkMessage EndNested(int start)
    {
        ushort length = (ushort)(_bytes.Count - start);
        _bytes[start] = (byte)length;
        _bytes[start + 1] = (byte)(length >> 8);
        return this;
    }

    /// <summary>The finished message, with nlmsg_len set.</summary>
    internal byte[] ToArray()
    {
        byte[] message = [.. _bytes];
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)message.Length);
        return message;
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        foreach (byte b in data)
        {
            _bytes.Add(b);
        }

        while (_bytes.Count % 4 != 0)
        {
            _bytes.Add(0);
        }
    }
}
