using static Interop.Seccomp;

namespace Ax.Interception;

/// <summary>
/// The classic-BPF program ax installs in every app. It sends to the daemon only the calls the daemon must
/// see (socket for AF_INET and AF_INET6, bind, listen, connect, getsockname, getpeername, and sendto with an address) and lets everything else run:
/// accept, send, recv, close and the rest of the data path never leave the kernel. Two calls are refused
/// in the filter itself, with no round trip: fast open through sendmsg, and setting SO_MARK.
/// Calls from other ABIs (i386, x32) are allowed untouched: the app's empty network namespace already
/// confines them, which is the real boundary.
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
    private const uint EopNotSupp = 95;
    private const uint OffsetArg4Low = 16 + (4 * 8);
    private const uint OffsetArg4High = 16 + (4 * 8) + 4;

    // <asm-generic/errno-base.h>
    private const uint EPerm = 1;

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
        const int Refuse = -3;
        const int RefuseMark = -4;
        var jumps = new List<(int Index, int TrueTarget, int FalseTarget)>();

        void JumpIf(ushort code, uint k, int trueTarget, int falseTarget)
        {
            jumps.Add((program.Count, trueTarget, falseTarget));
            program.Add(new SockFilter { Code = code, K = k });
        }

        JumpIf(BPF_JMP_JEQ_K, AUDIT_ARCH_X86_64, 0, Allow);
        program.Add(Load(OffsetNr));
        JumpIf(BPF_JMP_JGE_K, X32_SYSCALL_BIT, Allow, 0);
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
        JumpIf(BPF_JMP_JEQ_K, Interop.SyscallNumbers.SendMsg, 0, 2);
        program.Add(Load(OffsetArg2Low));
        JumpIf(BPF_JMP_JSET_K, MsgFastOpen, Refuse, Allow);
        JumpIf(BPF_JMP_JEQ_K, Interop.SyscallNumbers.SendMmsg, 0, 2);
        program.Add(Load(OffsetArg3Low));
        JumpIf(BPF_JMP_JSET_K, MsgFastOpen, Refuse, Allow);

        // setsockopt(fd, SOL_SOCKET, SO_MARK, ...) is refused right here: the daemon marks the datagram
        // sockets it makes for apps, and the UDP send guard (Guard/UdpSendGuardProgram.cs) tells them by
        // that mark, so an app must not clear or change it. Only level and option name are read.
        JumpIf(BPF_JMP_JEQ_K, Interop.SyscallNumbers.SetSockOpt, 0, 4);
        program.Add(Load(OffsetArg1Low));
        JumpIf(BPF_JMP_JEQ_K, Interop.Libc.SOL_SOCKET, 0, Allow);
        program.Add(Load(OffsetArg2Low));
        JumpIf(BPF_JMP_JEQ_K, Interop.Libc.SO_MARK, RefuseMark, Allow);

        // socket(AF_INET or AF_INET6, ...) only: AF_UNIX and the other families stay in the app's own namespace.
        JumpIf(BPF_JMP_JEQ_K, Interop.SyscallNumbers.Socket, 0, Allow);
        program.Add(Load(OffsetArg0Low));
        JumpIf(BPF_JMP_JEQ_K, Interop.Libc.AF_INET, Notify, 0);
        JumpIf(BPF_JMP_JEQ_K, Interop.Libc.AF_INET6, Notify, Allow);

        int allowIndex = program.Count;
        program.Add(Return(SECCOMP_RET_ALLOW));
        int notifyIndex = program.Count;
        program.Add(Return(SECCOMP_RET_USER_NOTIF));
        int refuseIndex = program.Count;
        program.Add(Return(SECCOMP_RET_ERRNO | EopNotSupp));
        int refuseMarkIndex = program.Count;
        program.Add(Return(SECCOMP_RET_ERRNO | EPerm));

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
                Refuse => refuseIndex,
                RefuseMark => refuseMarkIndex,
                _ => from + 1 + target,
            };
            return checked((byte)(absolute - from - 1));
        }
    }

    private static SockFilter Load(uint offset) => new() { Code = BPF_LD_W_ABS, K = offset };

    private static SockFilter Return(uint action) => new() { Code = BPF_RET_K, K = action };
}
