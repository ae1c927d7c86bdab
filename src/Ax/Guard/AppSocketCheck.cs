using static Interop.Bpf;
using Condition = Ax.Guard.BpfProgramBuilder.Condition;

namespace Ax.Guard;

/// <summary>
/// The opening every guard program shares: it jumps to the program's "allow" label unless the socket
/// at hand is an app socket (it has an entry in <see cref="GuardMaps.Marker"/>) and the caller is not
/// the daemon (<see cref="DaemonIdentity"/> in <see cref="GuardMaps.Daemon"/>: the caller lives in the
/// daemon's PID namespace and has the daemon's tgid there). Every other socket of the daemon's cgroup,
/// which may be the machine's root cgroup with everything in it, passes untouched. An app caller falls
/// through to the instructions after it. On the way through it leaves the context in r6.
/// </summary>
internal static class AppSocketCheck
{
    // struct bpf_sock_addr, <linux/bpf.h>: sk is a pointer the kernel fills for every sock_addr hook.
    internal const short OffsetSk = 64;

    // Register names, as the calling convention uses them: r0 result, r1-r5 arguments (clobbered by
    // calls), r6-r9 kept across calls, r10 frame pointer.
    internal const int R0 = 0;
    internal const int R1 = 1;
    internal const int R2 = 2;
    internal const int R3 = 3;
    internal const int R4 = 4;
    internal const int Ctx = 6;
    internal const int Daemon = 9;
    internal const int Frame = 10;

    /// <summary>Where the array key 0 lives on the program's stack (below the UDP guard's key at r10-8).</summary>
    private const short DaemonKeyOffset = -12;

    /// <summary>
    /// Where the helper writes struct bpf_pidns_info (<c>{ __u32 pid; __u32 tgid; }</c>, &lt;linux/bpf.h&gt;):
    /// eight bytes at r10-24, below the daemon key.
    /// </summary>
    private const short PidNsInfoOffset = -24;

    private const int PidNsInfoSize = 8;
    private const short PidNsInfoTgidOffset = 4;

    /// <summary>The label the check falls through to for a caller that is not the daemon.</summary>
    private const string NotDaemon = "app_socket_not_daemon";

    internal static void Emit(BpfProgramBuilder b, int markerMapFd, int daemonMapFd, DaemonCallerCheck check = DaemonCallerCheck.PidNamespace)
    {
        b.MoveRegister(Ctx, R1);

        // bpf_sk_storage_get(marker, sk, NULL, 0): NULL for a socket the daemon did not mark.
        b.LoadDoubleWord(R2, Ctx, OffsetSk);
        b.JumpIf(Condition.Equal, R2, 0, "allow");
        b.SocketStorageGet(markerMapFd, R2);
        b.JumpIf(Condition.Equal, R0, 0, "allow");

        // The daemon's own calls: it connects, binds and sends on app sockets for the apps. Its entry
        // names its PID namespace and its tgid there.
        b.StoreWordImmediate(Frame, DaemonKeyOffset, 0);
        b.LoadMap(R1, daemonMapFd);
        b.MoveRegister(R2, Frame);
        b.AddImmediate(R2, DaemonKeyOffset);
        b.Call(BPF_FUNC_map_lookup_elem);
        b.JumpIf(Condition.Equal, R0, 0, "refuse"); // an array always has key 0; the verifier wants the check
        b.MoveRegister(Daemon, R0);
        if (check == DaemonCallerCheck.InitialNamespaceTgid)
        {
            // bpf_get_current_pid_tgid() >> 32: the caller's tgid in the initial PID namespace, which is
            // the daemon's own (SocketGuard uses this only for a daemon that lives there).
            b.Call(BPF_FUNC_get_current_pid_tgid);
            b.ShiftRightImmediate(R0, 32);
            b.LoadWord(R2, Daemon, DaemonIdentity.TgidOffset);
            b.JumpIfRegister32(Condition.Equal, R0, R2, "allow");
            return;
        }

        // bpf_get_ns_current_pid_tgid(dev, ino, &info, 8): the caller's tgid in the daemon's PID
        // namespace, or a non-zero result where the caller's active namespace is another one (an app
        // in a container of its own, or a daemon's sibling): then it is not the daemon.
        b.LoadDoubleWord(R1, Daemon, DaemonIdentity.DeviceOffset);
        b.LoadDoubleWord(R2, Daemon, DaemonIdentity.InodeOffset);
        b.MoveRegister(R3, Frame);
        b.AddImmediate(R3, PidNsInfoOffset);
        b.MoveImmediate(R4, PidNsInfoSize);
        b.Call(BPF_FUNC_get_ns_current_pid_tgid);
        b.JumpIf(Condition.NotEqual, R0, 0, NotDaemon);
        b.LoadWord(R1, Frame, (short)(PidNsInfoOffset + PidNsInfoTgidOffset));
        b.LoadWord(R2, Daemon, DaemonIdentity.TgidOffset);
        b.JumpIfRegister32(Condition.Equal, R1, R2, "allow");
        b.Label(NotDaemon);
    }
}
