using System.Buffers.Binary;

namespace Ax.PeerAddresses;

/// <summary>
/// The TCP option in which an ax client's SYN carries the IP its server is to be shown, so that the
/// server's node learns it with no message between the daemons: an experimental option (kind 254,
/// RFC 4727) with a 16-bit experiment identifier (ExID, RFC 6994) that tells it from other experiments
/// sharing the kind, then the IPv4 address in network order: <c>fe 08 a7 c5 a b c d</c>, 8 bytes, which
/// with the usual SYN options (MSS, SACK-permitted, timestamps, window scale: 20 bytes) fits the
/// 40 bytes a TCP header has for options. The ExID is ax's own choice, not registered with IANA.
/// </summary>
internal static class ClientIpOption
{
    /// <summary>TCPOPT_EXP, include/net/tcp.h: the kind RFC 4727 sets aside for experiments.</summary>
    internal const byte Kind = 254;

    /// <summary>The whole option: kind, length, ExID, address.</summary>
    internal const byte Length = 8;

    /// <summary>The experiment identifier, as the two bytes after kind and length read in network order.</summary>
    internal const ushort ExperimentId = 0xa7c5;

    /// <summary>
    /// The first four bytes of the option as a 32-bit load reads them on this little-endian machine:
    /// kind, length, ExID. With the length byte 4 it is what bpf_load_hdr_opt searches by (kind and a
    /// 2-byte magic, the "kind-length" telling the magic's size; net/core/filter.c, bpf_sock_ops_load_hdr_opt).
    /// </summary>
    internal static uint HeaderWord(byte length) =>
        Kind | ((uint)length << 8) | ((uint)(ExperimentId >> 8) << 16) | ((uint)(ExperimentId & 0xff) << 24);

    /// <summary>The option's bytes for <paramref name="address"/> (host order).</summary>
    internal static void Encode(uint address, Span<byte> destination)
    {
        destination[0] = Kind;
        destination[1] = Length;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], ExperimentId);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], address);
    }
}
