using System.Buffers.Binary;

namespace Ax.Dns;

/// <summary>Writes the server's own replies (RFC 1035 section 4.1): the question echoed, then A records.</summary>
internal static class DnsResponseWriter
{
    /// <summary>Room for any reply the server writes itself: a header, a question with the longest name, and a few A records.</summary>
    internal const int MaxLocalReply = 512;

    private const int ARecordSize = 16;

    /// <summary>A reply to <paramref name="query"/> carrying <paramref name="addresses"/> (host order) as A records.</summary>
    internal static int Write(DnsQuery query, DnsResponseCode code, bool authoritative, ReadOnlySpan<uint> addresses, uint ttl, Span<byte> destination)
    {
        int questionEnd = DnsHeader.Size + query.WireName.Length + 4;
        int count = Math.Min(addresses.Length, (destination.Length - questionEnd) / ARecordSize);
        ReplyHeader(query.Header, code, authoritative, questionCount: 1, (ushort)count).Write(destination);
        query.WireName.CopyTo(destination[DnsHeader.Size..]);
        int position = DnsHeader.Size + query.WireName.Length;
        BinaryPrimitives.WriteUInt16BigEndian(destination[position..], query.Type);
        BinaryPrimitives.WriteUInt16BigEndian(destination[(position + 2)..], query.Class);
        position += 4;
        for (int i = 0; i < count; i++)
        {
            // The owner name is a pointer to the question's name at offset 12 (RFC 1035 section 4.1.4).
            BinaryPrimitives.WriteUInt16BigEndian(destination[position..], 0xc000 | DnsHeader.Size);
            BinaryPrimitives.WriteUInt16BigEndian(destination[(position + 2)..], DnsRecordType.A);
            BinaryPrimitives.WriteUInt16BigEndian(destination[(position + 4)..], DnsRecordType.ClassIn);
            BinaryPrimitives.WriteUInt32BigEndian(destination[(position + 6)..], ttl);
            BinaryPrimitives.WriteUInt16BigEndian(destination[(position + 10)..], 4);
            BinaryPrimitives.WriteUInt32BigEndian(destination[(position + 12)..], addresses[i]);
            position += ARecordSize;
        }

        return position;
    }

    /// <summary>A header-only reply (no question), for a query whose question could not be read or whose opcode is not QUERY.</summary>
    internal static int WriteHeaderOnly(DnsHeader query, DnsResponseCode code, Span<byte> destination)
    {
        ReplyHeader(query, code, authoritative: false, questionCount: 0, answerCount: 0).Write(destination);
        return DnsHeader.Size;
    }

    private static DnsHeader ReplyHeader(DnsHeader query, DnsResponseCode code, bool authoritative, ushort questionCount, ushort answerCount)
    {
        // QR set; opcode and RD copied from the query (RFC 1035 section 4.1.1); RA set, since the server forwards.
        int flags = DnsHeader.QrFlag | (query.Flags & (0x7800 | DnsHeader.RdFlag)) | DnsHeader.RaFlag | (int)code;
        if (authoritative)
        {
            flags |= DnsHeader.AaFlag;
        }

        return new DnsHeader(query.Id, (ushort)flags, questionCount, answerCount, 0, 0);
    }
}
