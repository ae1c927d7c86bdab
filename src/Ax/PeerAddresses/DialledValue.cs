using System.Buffers.Binary;
using Ax.Addressing;

namespace Ax.PeerAddresses;

/// <summary>
/// What a client socket connected through a vservice dialled, and the backend it really reached, as the
/// dialled-address map stores it per socket: four 32-bit words (dialled IP, dialled port, backend IP,
/// backend port), host order. The daemon reads it for getpeername, and DialledSourceProgram for the source of
/// datagrams.
/// </summary>
internal readonly record struct DialledValue(Ipv4Endpoint Dialled, Ipv4Endpoint Backend)
{
    internal const int Size = 16;

    internal void Encode(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Dialled.Address);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], Dialled.Port);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], Backend.Address);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], Backend.Port);
    }

    internal static DialledValue Decode(ReadOnlySpan<byte> source) => new(
        new Ipv4Endpoint(BinaryPrimitives.ReadUInt32LittleEndian(source), (ushort)BinaryPrimitives.ReadUInt32LittleEndian(source[4..])),
        new Ipv4Endpoint(BinaryPrimitives.ReadUInt32LittleEndian(source[8..]), (ushort)BinaryPrimitives.ReadUInt32LittleEndian(source[12..])));
}
