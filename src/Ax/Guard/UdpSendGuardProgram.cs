using static Ax.Guard.AppSocketCheck;
using static Interop.Bpf;
using Condition = Ax.Guard.BpfProgramBuilder.Condition;

namespace Ax.Guard;

/// <summary>
/// The cgroup sock_addr program (BPF_CGROUP_UDP4_SENDMSG) that closes the one path around the router:
/// a datagram sent with sendmsg/sendmmsg to an address in msg_name, which seccomp cannot read. The
/// kernel runs it in udp_sendmsg for every unconnected send with an address, in the sender's context,
/// on sockets of the cgroup it is attached to (a socket's cgroup is fixed when it is made: the daemon's,
/// for app sockets). It returns 1 to let the datagram go, 0 to fail the call with EPERM.
/// <para>
/// It refuses only when all of these hold: the socket is an app socket and the sender is not the
/// daemon (<see cref="AppSocketCheck"/>; the daemon's own sends from app sockets are routed sendto
/// answers), and the destination is in the map the daemon keeps (<see cref="UdpGuardKey"/>: exact
/// ip:port, or ip with port 0 for every port), which holds what the router guards and nothing more
/// (<see cref="UdpGuardTargets"/>). A send to a v4-mapped address from an AF_INET6 socket runs this
/// same hook: udpv6_sendmsg hands such a datagram to udp_sendmsg with an AF_INET address
/// (net/ipv6/udp.c), and ax guards no real IPv6 destination, so no UDP6_SENDMSG program is needed.
/// </para>
/// </summary>
internal static class UdpSendGuardProgram
{
    /// <summary>The program's license string: the helpers it calls need none, but the loader needs one.</summary>
    internal const string License = "GPL";

    // struct bpf_sock_addr, <linux/bpf.h>: user_ip4 and user_port are network order, the port in the
    // low 16 bits of its word.
    internal const short OffsetUserIp4 = 4;
    internal const short OffsetUserPort = 24;

    // The map key lives in the program's stack frame: ip at r10-8, port at r10-4 (UdpGuardKey.Encode).
    private const short KeyOffset = -8;
    private const short KeyPortOffset = -4;

    private const int Ip = 7;
    private const int Port = 8;

    internal static BpfInsn[] Build(int markerMapFd, int daemonMapFd, int destinationMapFd, DaemonCallerCheck check = DaemonCallerCheck.PidNamespace)
    {
        var b = new BpfProgramBuilder();
        AppSocketCheck.Emit(b, markerMapFd, daemonMapFd, check);

        // The map: first the exact ip:port, then the ip with port 0 (every port of a virtual IP).
        b.LoadWord(Ip, Ctx, OffsetUserIp4);
        b.LoadWord(Port, Ctx, OffsetUserPort);
        b.StoreWord(Frame, KeyOffset, Ip);
        b.StoreWord(Frame, KeyPortOffset, Port);
        Lookup(b, destinationMapFd);
        b.StoreWordImmediate(Frame, KeyPortOffset, 0);
        Lookup(b, destinationMapFd);

        b.Label("allow");
        b.MoveImmediate(R0, 1);
        b.Exit();
        b.Label("refuse");
        b.MoveImmediate(R0, 0);
        b.Exit();
        return b.Build();
    }

    private static void Lookup(BpfProgramBuilder b, int mapFd)
    {
        b.LoadMap(R1, mapFd);
        b.MoveRegister(R2, Frame);
        b.AddImmediate(R2, KeyOffset);
        b.Call(BPF_FUNC_map_lookup_elem);
        b.JumpIf(Condition.NotEqual, R0, 0, "refuse");
    }
}
