using System.Buffers.Binary;

namespace Ax.Guard;

/// <summary>
/// A destination the UDP send guard refuses to app sendmsg: an exact <c>ip:port</c>, or an ip on every
/// port when <see cref="Port"/> is 0. Both are host order here; <see cref="Encode"/> writes the bytes the
/// program builds from struct bpf_sock_addr on its stack: user_ip4 as it is (network order), then the
/// user_port word, whose low 16 bits hold the port in network order and whose high 16 bits are zero.
/// </summary>
internal readonly record struct UdpGuardKey(uint Address, ushort Port)
{
    internal const int Size = 8;

    internal static UdpGuardKey AnyPort(uint address) => new(address, 0);

    internal void Encode(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, Address);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], Port);
        destination[6] = 0;
        destination[7] = 0;
    }
}
