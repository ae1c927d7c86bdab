namespace Ax.Routing.Health;

/// <summary>
/// The BTF (Documentation/bpf/btf.rst) the kernel requires of the tracked-socket storage map
/// (bpf_local_storage_map_check_btf): a 32-bit unsigned integer, the key (a socket descriptor), and an
/// array of two of them, the value (<see cref="ConnectionTrackerProgram"/>: the server's slot and the
/// socket's state).
/// </summary>
internal static class TrackedSocketBtf
{
    internal const uint U32TypeId = Guard.SocketStorageBtf.U32TypeId;

    internal const uint TwoU32TypeId = Guard.SocketStorageBtf.ArrayTypeId;

    internal static byte[] Build() => Guard.SocketStorageBtf.Build(2);
}
