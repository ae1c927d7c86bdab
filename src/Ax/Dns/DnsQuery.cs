using System.Buffers.Binary;

namespace Ax.Dns;

/// <summary>
/// A query as the server needs it: the header, and its one question with the name undone from any
/// compression (<see cref="WireName"/>, kept byte for byte so the answer echoes the client's case).
/// </summary>
internal sealed record DnsQuery(DnsHeader Header, byte[] WireName, string Name, ushort Type, ushort Class)
{
    /// <summary>Reads a query. Never throws: a message it cannot read gives an error value.</summary>
    internal static DnsParseError TryParse(ReadOnlySpan<byte> message, out DnsQuery? query)
    {
        query = null;
        if (!DnsHeader.TryRead(message, out DnsHeader header))
        {
            return DnsParseError.Truncated;
        }

        if (header.IsResponse)
        {
            return DnsParseError.NotAQuery;
        }

        if (header.QuestionCount != 1)
        {
            return DnsParseError.NotOneQuestion;
        }

        Span<byte> wireName = stackalloc byte[DnsName.MaxWireLength];
        DnsParseError error = DnsName.TryRead(message, DnsHeader.Size, wireName, out int wireLength, out int end);
        if (error != DnsParseError.None)
        {
            return error;
        }

        if (end + 4 > message.Length)
        {
            return DnsParseError.Truncated;
        }

        ReadOnlySpan<byte> name = wireName[..wireLength];
        query = new DnsQuery(
            header,
            name.ToArray(),
            DnsName.ToText(name),
            BinaryPrimitives.ReadUInt16BigEndian(message[end..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[(end + 2)..]));
        return DnsParseError.None;
    }
}
