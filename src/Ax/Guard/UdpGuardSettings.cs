namespace Ax.Guard;

/// <summary>
/// What the UDP send guard's program is built from; every value is baked into the program when it is
/// loaded. <see cref="NodeIp"/> is in host order, as ax keeps addresses; <see cref="PoolRanges"/> are
/// the --ports ranges, first and last port inclusive.
/// </summary>
internal sealed record UdpGuardSettings(
    uint Mark,
    int DaemonTgid,
    ulong NetnsCookie,
    uint NodeIp,
    IReadOnlyList<(ushort First, ushort Last)> PoolRanges);
