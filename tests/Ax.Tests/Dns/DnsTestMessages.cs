using System.Buffers.Binary;
using Ax.Dns;

namespace Ax.Tests.Dns;

/// <summary>Builds DNS messages byte by byte for the parser and server tests.</summary>
internal static class DnsTestMessages
{
    internal static byte[] Query(string name, ushort type = DnsRecordType.A, ushort id = 0x1234, ushort flags = DnsHeader.RdFlag)
    {
        var message = new List<byte>();
        message.AddRange(Header(id, flags, 1));
        Span<byte> wire = stackalloc byte[255];
        Assert.True(DnsName.TryWrite(name, wire, out int length));
        message.AddRange(wire[..length].ToArray());
        message.AddRange([(byte)(type >> 8), (byte)type, 0, 1]);
        return [.. message];
    }

    internal static byte[] Header(ushort id, ushort flags, ushort questions)
    {
        byte[] header = new byte[DnsHeader.Size];
        new DnsHeader(id, flags, questions, 0, 0, 0).Write(header);
        return header;
    }

    internal static byte[] WithQuestionBytes(params byte[] question) => [.. Header(0x4242, DnsHeader.RdFlag, 1), .. question];

    internal static DnsResponseCode Code(ReadOnlySpan<byte> reply) => (DnsResponseCode)(reply[3] & 0xf);

    internal static ushort AnswerCount(ReadOnlySpan<byte> reply) => BinaryPrimitives.ReadUInt16BigEndian(reply[6..]);

    internal static uint LastAddress(ReadOnlySpan<byte> reply) => BinaryPrimitives.ReadUInt32BigEndian(reply[^4..]);
}
