using System.Buffers.Binary;
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
/// It refuses only when all of these hold: the socket carries ax's mark (an app socket), the sender is
/// not this daemon (whose own sends from app sockets are routed sendto answers), the socket lives in
/// this daemon's network namespace (other daemons on the machine guard their own nodes), and the
/// destination is one ax protects: the node IP on a --ports pool port, or an address in the map the
/// daemon keeps (<see cref="UdpGuardKey"/>: exact ip:port, or ip with port 0 for every port).
/// </para>
/// </summary>
internal static class UdpSendGuardProgram
{
    /// <summary>The program's license string: the helpers it calls (map lookup, pid, netns cookie) need none, but the loader needs one.</summary>
    internal const string License = "GPL";

    // struct bpf_sock_addr and struct bpf_sock, <linux/bpf.h>: user_ip4 and user_port are network order,
    // the port in the low 16 bits of its word; sk is a pointer the kernel fills for every sock_addr hook.
    internal const short OffsetUserIp4 = 4;
    internal const short OffsetUserPort = 24;
    internal const short OffsetSk = 64;
    internal const short OffsetSkMark = 16;

    // The map key lives in the program's stack frame: ip at r10-8, port at r10-4 (UdpGuardKey.Encode).
    private const short KeyOffset = -8;
    private const short KeyPortOffset = -4;

    // Register names, as the calling convention uses them: r0 result, r1-r5 arguments (clobbered by
    // calls), r6-r9 kept across calls, r10 frame pointer.
    private const int R0 = 0;
    private const int R1 = 1;
    private const int R2 = 2;
    private const int R3 = 3;
    private const int Ctx = 6;
    private const int Ip = 7;
    private const int Port = 8;
    private const int Frame = 10;

    internal static BpfInsn[] Build(UdpGuardSettings settings, int mapFd)
    {
        var b = new BpfProgramBuilder();
        b.MoveRegister(Ctx, R1);

        // Only ax app sockets: the daemon marks every datagram socket it makes for an app, and the
        // seccomp filter refuses SO_MARK, so an app cannot clear the mark.
        b.LoadDoubleWord(R2, Ctx, OffsetSk);
        b.JumpIf(Condition.Equal, R2, 0, "allow");
        b.LoadWord(R3, R2, OffsetSkMark);
        b.JumpIf32(Condition.NotEqual, R3, settings.Mark, "allow");

        // The daemon's own sends: a routed sendto goes out from the app's socket to a host address.
        b.Call(BPF_FUNC_get_current_pid_tgid);
        b.ShiftRightImmediate(R0, 32);
        b.JumpIf32(Condition.Equal, R0, (uint)settings.DaemonTgid, "allow");

        // Several daemons (tests run many) attach to one cgroup; each judges only its own node's sockets.
        b.MoveRegister(R1, Ctx);
        b.Call(BPF_FUNC_get_netns_cookie);
        b.LoadImmediate64(R1, settings.NetnsCookie);
        b.JumpIfRegister(Condition.NotEqual, R0, R1, "allow");

        b.LoadWord(Ip, Ctx, OffsetUserIp4);
        b.LoadWord(Port, Ctx, OffsetUserPort);

        // The node IP on a pool port is some app's host endpoint, as 'ax get servers' lists them.
        b.JumpIf32(Condition.NotEqual, Ip, NetworkOrderWord(settings.NodeIp), "lookup");
        b.MoveRegister(R2, Port);
        b.ToBigEndian16(R2);
        for (int i = 0; i < settings.PoolRanges.Count; i++)
        {
            var (first, last) = settings.PoolRanges[i];
            string next = "range" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            b.JumpIf32(Condition.Below, R2, first, next);
            b.JumpIf32(Condition.BelowOrEqual, R2, last, "refuse");
            b.Label(next);
        }

        // The map: first the exact ip:port, then the ip with port 0 (every port of a virtual IP).
        b.Label("lookup");
        b.StoreWord(Frame, KeyOffset, Ip);
        b.StoreWord(Frame, KeyPortOffset, Port);
        Lookup(b, mapFd);
        b.StoreWordImmediate(Frame, KeyPortOffset, 0);
        Lookup(b, mapFd);

        b.Label("allow");
        b.MoveImmediate(R0, 1);
        b.Exit();
        b.Label("refuse");
        b.MoveImmediate(R0, 0);
        b.Exit();
        return b.Build();
    }

    /// <summary>
    /// The 32-bit value a load of a network-order address gives on this little-endian machine, for a
    /// host-order <paramref name="address"/>: 10.0.0.1 is the bytes 0a 00 00 01, read as 0x0100000a.
    /// </summary>
    internal static uint NetworkOrderWord(uint address) =>
        BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(address) : address;

    private static void Lookup(BpfProgramBuilder b, int mapFd)
    {
        b.LoadMap(R1, mapFd);
        b.MoveRegister(R2, Frame);
        b.AddImmediate(R2, KeyOffset);
        b.Call(BPF_FUNC_map_lookup_elem);
        b.JumpIf(Condition.NotEqual, R0, 0, "refuse");
    }
}
