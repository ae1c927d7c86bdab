namespace Ax.PeerAddresses;

/// <summary>
/// The smallest BTF blob ax's socket storage maps accept (Documentation/bpf/btf.rst): a 32-bit unsigned
/// integer, which is both the key the kernel requires of such a map (a socket descriptor,
/// bpf_local_storage_map_check_btf) and the client-IP map's value, and an array of four of them, the
/// dialled-address map's value (<see cref="DialledValue"/>).
/// </summary>
internal static class ClientIpBtf
{
    /// <summary>The id of the one type (ids count from 1; 0 is void).</summary>
    internal const uint U32TypeId = Guard.SocketStorageBtf.U32TypeId;

    /// <summary>The id of the array of four 32-bit integers (16 bytes).</summary>
    internal const uint FourU32TypeId = Guard.SocketStorageBtf.ArrayTypeId;

    internal static byte[] Build() => Guard.SocketStorageBtf.Build(4);
}
