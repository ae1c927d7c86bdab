using Ax.Guard;
using static Ax.Guard.AppSocketCheck;
using static Interop.Bpf;
using Condition = Ax.Guard.BpfProgramBuilder.Condition;

namespace Ax.ServiceTable;

/// <summary>
/// The cgroup sock program (BPF_CGROUP_INET_SOCK_RELEASE) behind <see cref="SocketReleaseWatch"/>. The
/// kernel runs it in inet_release, when the last descriptor of a socket of the daemon's cgroup (every
/// app socket: the daemon makes them) is closed, before the protocol's close, so a listener is still
/// in TCP_LISTEN there. It adds one to the map's only counter for a TCP listener or a UDP socket that
/// is an app socket (<see cref="GuardMaps.Marker"/>), the only closes that can end a service, and
/// leaves every other socket alone. It always returns 1: a release cannot be refused.
/// </summary>
internal static class SocketReleaseProgram
{
    // struct bpf_sock, <linux/bpf.h>.
    internal const short OffsetProtocol = 12;
    internal const short OffsetState = 72;

    internal const int IpProtoTcp = 6;
    internal const int IpProtoUdp = 17;
    internal const int TcpListen = 10;

    private const short KeyOffset = -4;

    internal static BpfInsn[] Build(int markerMapFd, int counterMapFd)
    {
        var b = new BpfProgramBuilder();
        b.MoveRegister(Ctx, R1);
        b.LoadWord(R2, Ctx, OffsetProtocol);
        b.JumpIf(Condition.Equal, R2, IpProtoUdp, "app");
        b.JumpIf(Condition.NotEqual, R2, IpProtoTcp, "out");
        b.LoadWord(R2, Ctx, OffsetState);
        b.JumpIf(Condition.NotEqual, R2, TcpListen, "out");

        // bpf_sk_storage_get(marker, sk, NULL, 0): the context is the socket itself here.
        b.Label("app");
        b.SocketStorageGet(markerMapFd, Ctx);
        b.JumpIf(Condition.Equal, R0, 0, "out");

        b.StoreWordImmediate(Frame, KeyOffset, 0);
        b.LoadMap(R1, counterMapFd);
        b.MoveRegister(R2, Frame);
        b.AddImmediate(R2, KeyOffset);
        b.Call(BPF_FUNC_map_lookup_elem);
        b.JumpIf(Condition.Equal, R0, 0, "out");
        b.MoveImmediate(R1, 1);
        b.AtomicAdd64(R0, 0, R1);

        b.Label("out");
        b.MoveImmediate(R0, 1);
        b.Exit();
        return b.Build();
    }
}
