using static Interop.Seccomp;

namespace Ax.Interception;

/// <summary>
/// The classic-BPF program ax installs in every app. It sends to the daemon only the calls the daemon must
/// see (socket for AF_INET and AF_INET6, bind, listen, connect, getsockname, getpeername, and sendto with an address) and lets everything else run:
/// accept, send, recv, close and the rest of the data path never leave the kernel. Two calls are refused
/// in the filter itself, with no round trip: fast open through sendmsg, and setting SO_MARK.
/// An app's AF_INET and AF_INET6 sockets are node sockets from socket() on, so every other way into the kernel that could
/// connect, bind, listen or send to an address on one is closed here too, or it would skip the daemon's
/// decision (docs/ARCHITECTURE.md, "Other syscall paths"):
/// <list type="bullet">
/// <item>io_uring (IORING_OP_CONNECT, IORING_OP_BIND, IORING_OP_LISTEN, ...): its three calls fail with
/// <c>ENOSYS</c>, in both ABIs, so no ring exists to submit them on.</item>
/// <item>The i386 entry (<c>int $0x80</c>, open to 64-bit processes under IA32 emulation): the daemon reads
/// only x86-64 calls, so the calls it would decide are refused instead (<c>EPERM</c>): bind, connect,
/// listen, sendto with an address, and the same through <c>socketcall</c>; fast open and SO_MARK as on x86-64.</item>
/// <item>x32 (x86-64 numbers with <c>__X32_SYSCALL_BIT</c>): every call fails with <c>ENOSYS</c>, as on a
/// kernel built without x32, whatever this kernel has.</item>
/// <item>Any other architecture kills the process: no process on an x86-64 kernel can make one, so it can
/// only mean the filter runs where its numbers mean something else.</item>
/// </list>
/// Only calls whose answer depends on their arguments cost anything: when the filter is installed the
/// kernel works out, per system call number and ABI, which ones it always allows and then skips the filter
/// for those (kernel/seccomp.c, seccomp_cache_prepare); the x86-64 checks still come first.
/// </summary>
internal static class SeccompFilterProgram
{
    // <linux/bpf_common.h>
    private const ushort BPF_LD_W_ABS = 0x00 | 0x00 | 0x20;
    private const ushort BPF_JMP_JEQ_K = 0x05 | 0x10 | 0x00;
    private const ushort BPF_JMP_JGE_K = 0x05 | 0x30 | 0x00;
    private const ushort BPF_JMP_JSET_K = 0x05 | 0x40 | 0x00;
    private const ushort BPF_RET_K = 0x06 | 0x00;

    // Offsets into struct seccomp_data.
    private const uint OffsetNr = 0;
    private const uint OffsetArch = 4;
    private const uint OffsetArg0Low = 16;
    private const uint OffsetArg1Low = 16 + (1 * 8);
    private const uint OffsetArg2Low = 16 + (2 * 8);
    private const uint OffsetArg3Low = 16 + (3 * 8);

    // <linux/socket.h>; EOPNOTSUPP is what the kernel itself answers when fast open is off.
    private const uint MsgFastOpen = 0x20000000;
    private const uint OffsetArg4Low = 16 + (4 * 8);
    private const uint OffsetArg4High = 16 + (4 * 8) + 4;

    /// <summary>The system calls whose every invocation is sent to the daemon.</summary>
    internal static readonly int[] AlwaysNotified =
    [
        Interop.SyscallNumbers.Bind,
        Interop.SyscallNumbers.Connect,
        Interop.SyscallNumbers.Listen,
        Interop.SyscallNumbers.GetSockName,
        Interop.SyscallNumbers.GetPeerName,
    ];

    internal static SockFilter[] Build()
    {
        var program = new List<SockFilter>
        {
            Load(OffsetArch),
        };

        // Labels are resolved after the list is complete: every jump is forward.
        const int Allow = -1;
        const int Notify = -2;
        const int RefuseFastOpen = -3;
        const int RefusePermission = -4;
        const int RefuseNoSys = -5;
        const int Kill = -6;
        const int I386 = -7;
        var jumps = new List<(int Index, int TrueTarget, int FalseTarget)>();

        void JumpIf(ushort code, uint k, int trueTarget, int falseTarget)
        {
            jumps.Add((program.Count, trueTarget, falseTarget));
            program.Add(new SockFilter { Code = code, K = k });
        }

        // The same rules on both entries: sendmsg and sendmmsg with MSG_FASTOPEN, and setsockopt(SO_MARK).
        void RefuseFastOpenAndMark(int sendMsg, int sendMmsg, int setSockOpt)
        {
            JumpIf(BPF_JMP_JEQ_K, (uint)sendMsg, 0, 2);
            program.Add(Load(OffsetArg2Low));
            JumpIf(BPF_JMP_JSET_K, MsgFastOpen, RefuseFastOpen, Allow);
            JumpIf(BPF_JMP_JEQ_K, (uint)sendMmsg, 0, 2);
            program.Add(Load(OffsetArg3Low));
            JumpIf(BPF_JMP_JSET_K, MsgFastOpen, RefuseFastOpen, Allow);
            JumpIf(BPF_JMP_JEQ_K, (uint)setSockOpt, 0, 4);
            program.Add(Load(OffsetArg1Low));
            JumpIf(BPF_JMP_JEQ_K, Interop.Libc.SOL_SOCKET, 0, Allow);
            program.Add(Load(OffsetArg2Low));
            JumpIf(BPF_JMP_JEQ_K, Interop.Libc.SO_MARK, RefusePermission, Allow);
        }

        JumpIf(BPF_JMP_JEQ_K, AUDIT_ARCH_X86_64, 0, I386);
        program.Add(Load(OffsetNr));

        // x32 shares the x86-64 arch and sets bit 30 of the number. ax has no reason to serve x32 programs and
        // the daemon reads x86-64 arguments, so every x32 call gets what a kernel without x32 answers
        // (arch/x86/entry/syscall_64.c: ENOSYS), whether or not this kernel has CONFIG_X86_X32_ABI.
        JumpIf(BPF_JMP_JGE_K, X32_SYSCALL_BIT, RefuseNoSys, 0);
        foreach (int nr in AlwaysNotified)
        {
            JumpIf(BPF_JMP_JEQ_K, (uint)nr, Notify, 0);
        }

        // sendto with a destination address only: on a node socket that address would be dialled (TCP
        // with MSG_FASTOPEN) or sent to (UDP) without a connect for the daemon to route. send() is
        // sendto(..., NULL, 0) and stays in the kernel, as does the data path of connected sockets.
        JumpIf(BPF_JMP_JEQ_K, Interop.SyscallNumbers.SendTo, 0, 4);
        program.Add(Load(OffsetArg4Low));
        JumpIf(BPF_JMP_JEQ_K, 0, 0, Notify);
        program.Add(Load(OffsetArg4High));
        JumpIf(BPF_JMP_JEQ_K, 0, Allow, Notify);

        // sendmsg/sendmmsg with MSG_FASTOPEN would dial msg_name without a connect. The filter cannot
        // read msg_name, but it can read the flags, so fast open is refused right here, with no round
        // trip; every other sendmsg (the data path) runs in the kernel.
        //
        // setsockopt(fd, SOL_SOCKET, SO_MARK, ...) is refused right here: on a node socket a mark would steer
        // the app's traffic through the node's policy routing and firewall rules, which are the node's,
        // not the app's (the guard no longer needs marks: Guard/GuardMaps.cs). Only level and option name are read.
        RefuseFastOpenAndMark(Interop.SyscallNumbers.SendMsg, Interop.SyscallNumbers.SendMmsg, Interop.SyscallNumbers.SetSockOpt);

        // socket(AF_INET or AF_INET6, ...) only: AF_UNIX and the other families stay in the app's own namespace.
        JumpIf(BPF_JMP_JEQ_K, Interop.SyscallNumbers.Socket, 0, 3);
        program.Add(Load(OffsetArg0Low));
        JumpIf(BPF_JMP_JEQ_K, Interop.Libc.AF_INET, Notify, 0);
        JumpIf(BPF_JMP_JEQ_K, Interop.Libc.AF_INET6, Notify, Allow);

        // io_uring_setup, io_uring_enter, io_uring_register (425..427): a ring would run IORING_OP_CONNECT,
        // IORING_OP_BIND and IORING_OP_LISTEN (Linux 6.11) on a node socket with no system call for this
        // filter to see. Refused with ENOSYS, what a kernel without io_uring answers: every runtime that uses
        // io_uring when it can (libuv, tokio, liburing users, Eio, Zig's std) falls back to epoll and plain
        // calls on it, and has since its first release; EPERM (what Docker's profile and the
        // kernel.io_uring_disabled sysctl answer) is handled by current releases too, but older tokio and
        // dragonfly took only ENOSYS as "no io_uring". enter and register are refused as well, for a ring
        // an app might have been handed from outside ax.
        JumpIf(BPF_JMP_JGE_K, Interop.SyscallNumbers.IoUringSetup, 0, Allow);
        JumpIf(BPF_JMP_JGE_K, Interop.SyscallNumbers.IoUringRegister + 1, Allow, RefuseNoSys);

        // The i386 entry (int $0x80, open to any 64-bit process when the kernel has IA32 emulation). The
        // daemon reads x86-64 calls only, so what it would decide is refused here instead: a socket made
        // here is in the app's empty namespace (socket() is not trapped on this path), but a descriptor
        // the x86-64 path made is a node socket, and the filter cannot tell which one a call names.
        // Arguments are compared in their low 32 bits only: the kernel truncates i386 arguments, whatever
        // a 64-bit caller left in the upper halves of its registers.
        int i386Index = program.Count;
        JumpIf(BPF_JMP_JEQ_K, AUDIT_ARCH_I386, 0, Kill);
        program.Add(Load(OffsetNr));

        // socketcall(call, args): the call's own arguments are in memory, out of the filter's reach, so
        // every call that gives a socket an address, a destination or a mark is refused whole; socket,
        // accept, send, recv, shutdown and the option reads run.
        JumpIf(BPF_JMP_JEQ_K, Interop.I386SyscallNumbers.SocketCall, 0, 7);
        program.Add(Load(OffsetArg0Low));
        JumpIf(BPF_JMP_JGE_K, Interop.I386SyscallNumbers.SocketCallBind, 0, Allow);
        JumpIf(BPF_JMP_JGE_K, Interop.I386SyscallNumbers.SocketCallListen + 1, 0, RefusePermission);
        JumpIf(BPF_JMP_JEQ_K, Interop.I386SyscallNumbers.SocketCallSendTo, RefusePermission, 0);
        JumpIf(BPF_JMP_JEQ_K, Interop.I386SyscallNumbers.SocketCallSetSockOpt, RefusePermission, 0);
        JumpIf(BPF_JMP_JEQ_K, Interop.I386SyscallNumbers.SocketCallSendMsg, RefusePermission, 0);
        JumpIf(BPF_JMP_JEQ_K, Interop.I386SyscallNumbers.SocketCallSendMmsg, RefusePermission, Allow);

        // bind, connect, listen (361..363), sendto with an address: refused. sendmsg, sendmmsg and
        // setsockopt as on x86-64: only fast open and SO_MARK are refused, and the UDP send guard judges
        // msg_name in the kernel whichever entry the call came by.
        JumpIf(BPF_JMP_JGE_K, Interop.I386SyscallNumbers.Bind, 0, 1);
        JumpIf(BPF_JMP_JGE_K, Interop.I386SyscallNumbers.Listen + 1, 0, RefusePermission);
        JumpIf(BPF_JMP_JEQ_K, Interop.I386SyscallNumbers.SendTo, 0, 2);
        program.Add(Load(OffsetArg4Low));
        JumpIf(BPF_JMP_JEQ_K, 0, Allow, RefusePermission);
        RefuseFastOpenAndMark(Interop.I386SyscallNumbers.SendMsg, Interop.I386SyscallNumbers.SendMmsg, Interop.I386SyscallNumbers.SetSockOpt);

        // io_uring has the same numbers on i386 and the same answer.
        JumpIf(BPF_JMP_JGE_K, Interop.I386SyscallNumbers.IoUringSetup, 0, Allow);
        JumpIf(BPF_JMP_JGE_K, Interop.I386SyscallNumbers.IoUringRegister + 1, Allow, RefuseNoSys);

        int allowIndex = program.Count;
        program.Add(Return(SECCOMP_RET_ALLOW));
        int notifyIndex = program.Count;
        program.Add(Return(SECCOMP_RET_USER_NOTIF));
        int refuseFastOpenIndex = program.Count;
        program.Add(Return(SECCOMP_RET_ERRNO | (uint)Errno.EOPNOTSUPP));
        int refusePermissionIndex = program.Count;
        program.Add(Return(SECCOMP_RET_ERRNO | (uint)Errno.EPERM));
        int refuseNoSysIndex = program.Count;
        program.Add(Return(SECCOMP_RET_ERRNO | (uint)Errno.ENOSYS));
        int killIndex = program.Count;
        program.Add(Return(SECCOMP_RET_KILL_PROCESS));

        SockFilter[] result = [.. program];
        foreach (var (index, trueTarget, falseTarget) in jumps)
        {
            result[index].JumpTrue = Offset(index, trueTarget);
            result[index].JumpFalse = Offset(index, falseTarget);
        }

        return result;

        byte Offset(int from, int target)
        {
            int absolute = target switch
            {
                Allow => allowIndex,
                Notify => notifyIndex,
                RefuseFastOpen => refuseFastOpenIndex,
                RefusePermission => refusePermissionIndex,
                RefuseNoSys => refuseNoSysIndex,
                Kill => killIndex,
                I386 => i386Index,
                _ => from + 1 + target,
            };
            return checked((byte)(absolute - from - 1));
        }
    }

    private static SockFilter Load(uint offset) => new() { Code = BPF_LD_W_ABS, K = offset };

    private static SockFilter Return(uint action) => new() { Code = BPF_RET_K, K = action };
}
