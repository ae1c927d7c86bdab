using System.Buffers.Binary;

namespace Ax.Dns;

/// <summary>The fixed 12-byte header of a DNS message (RFC 1035 section 4.1.1), fields in host order.</summary>
internal readonly record struct DnsHeader(ushort Id, ushort Flags, ushort QuestionCount, ushort AnswerCount, ushort AuthorityCount, ushort AdditionalCount)
{
    internal const int Size = 12;
    internal const ushort QrFlag = 0x8000;
    internal const ushort AaFlag = 0x0400;
    internal const ushort TcFlag = 0x0200;
    internal const ushort RdFlag = 0x0100;
    internal const ushort RaFlag = 0x0080;

    internal bool IsResponse => (Flags & QrFlag) != 0;

    internal int Opcode => (Flags >> 11) & 0xf;

    internal DnsResponseCode ResponseCode => (DnsResponseCode)(Flags & 0xf);

    internal static bool TryRead(ReadOnlySpan<byte> message, out DnsHeader header)
    {
        if (message.Length < Size)
        {
            header = default;
            return false;
        }

        header = new DnsHeader(
            BinaryPrimitives.ReadUInt16BigEndian(message),
            BinaryPrimitives.ReadUInt16BigEndian(message[2..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[4..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[6..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[8..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[10..]));
        return true;
    }

    internal void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, Id);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], Flags);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], QuestionCount);
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], AnswerCount);
        BinaryPrimitives.WriteUInt16BigEndian(destination[8..], AuthorityCount);
        BinaryPrimitives.WriteUInt16BigEndian(destination[10..], AdditionalCount);
    }
}
