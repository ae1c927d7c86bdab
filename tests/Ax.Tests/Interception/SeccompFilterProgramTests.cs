using Ax.Interception;
using static Interop.Seccomp;

namespace Ax.Tests.Interception;

/// <summary>Runs the BPF program on sample seccomp_data to prove which calls reach the daemon.</summary>
public sealed class SeccompFilterProgramTests
{
    [Theory]
    [InlineData(49, 2, true)]   // bind
    [InlineData(42, 1, true)]   // connect, whatever the socket
    [InlineData(50, 0, true)]   // listen
    [InlineData(51, 0, true)]   // getsockname
    [InlineData(52, 0, true)]   // getpeername
    [InlineData(41, 2, true)]   // socket(AF_INET)
    [InlineData(41, 1, false)]  // socket(AF_UNIX)
    [InlineData(41, 10, true)]  // socket(AF_INET6): a node socket too, dual-stack listeners are common
    [InlineData(43, 0, false)]  // accept
    [InlineData(44, 0, false)]  // sendto (this row: no destination address, as send() makes it)
    [InlineData(0, 0, false)]   // read
    [InlineData(3, 0, false)]   // close
    public void OnlyTheControlCallsAreNotified(int nr, int arg0, bool notified)
    {
        Assert.Equal(notified ? SECCOMP_RET_USER_NOTIF : SECCOMP_RET_ALLOW, Run(AUDIT_ARCH_X86_64, nr, (ulong)arg0));
    }

    [Theory]
    [InlineData(0ul, false)]                   // send(): sendto(fd, buf, len, flags, NULL, 0)
    [InlineData(0x7ffd12345678ul, true)]       // a destination address: UDP datagrams, TCP fast open
    [InlineData(0x100000000ul, true)]          // only the upper half of the pointer set
    public void SendTo_IsNotifiedOnlyWithADestinationAddress(ulong destination, bool notified)
    {
        Assert.Equal(notified ? SECCOMP_RET_USER_NOTIF : SECCOMP_RET_ALLOW, Run(AUDIT_ARCH_X86_64, 44, 3, 0, 0, 0, destination));
    }

    [Theory]
    [InlineData(46, 2, 0u, SECCOMP_RET_ALLOW)]                      // sendmsg: the data path
    [InlineData(46, 2, 0x4000u, SECCOMP_RET_ALLOW)]                 // sendmsg(MSG_NOSIGNAL)
    [InlineData(46, 2, 0x20000000u, SECCOMP_RET_ERRNO | 95)]        // sendmsg(MSG_FASTOPEN): EOPNOTSUPP
    [InlineData(46, 2, 0x20004000u, SECCOMP_RET_ERRNO | 95)]
    [InlineData(307, 3, 0u, SECCOMP_RET_ALLOW)]                     // sendmmsg
    [InlineData(307, 3, 0x20000000u, SECCOMP_RET_ERRNO | 95)]       // sendmmsg(MSG_FASTOPEN)
    public void FastOpenThroughSendmsg_IsRefusedInTheFilter(int nr, int flagsArg, uint flags, uint expected)
    {
        Assert.Equal(expected, Run(AUDIT_ARCH_X86_64, nr, 3, 0, flagsArg == 2 ? flags : 0, flagsArg == 3 ? flags : 0));
    }

    [Theory]
    [InlineData(1, 36, SECCOMP_RET_ERRNO | 1)]     // SOL_SOCKET, SO_MARK: EPERM, the guard's mark stays
    [InlineData(1, 2, SECCOMP_RET_ALLOW)]          // SOL_SOCKET, SO_REUSEADDR
    [InlineData(1, 7, SECCOMP_RET_ALLOW)]          // SOL_SOCKET, SO_SNDBUF
    [InlineData(0, 36, SECCOMP_RET_ALLOW)]         // IPPROTO_IP, option 36 (IP_MULTICAST_ALL): not a mark
    [InlineData(6, 36, SECCOMP_RET_ALLOW)]         // IPPROTO_TCP, option 36
    public void SetSockOpt_RefusesOnlySoMark(ulong level, ulong name, uint expected)
    {
        Assert.Equal(expected, Run(AUDIT_ARCH_X86_64, 54, 3, level, name));
    }

    [Theory]
    [InlineData(0xC000003Eu, 425)] // x86-64 io_uring_setup
    [InlineData(0xC000003Eu, 426)] // io_uring_enter
    [InlineData(0xC000003Eu, 427)] // io_uring_register
    [InlineData(0x40000003u, 425)] // the same three on the i386 entry
    [InlineData(0x40000003u, 426)]
    [InlineData(0x40000003u, 427)]
    public void IoUring_IsRefusedWithEnosys_SoRuntimesFallBackToPlainCalls(uint arch, int nr)
    {
        Assert.Equal(SECCOMP_RET_ERRNO | 38, Run(arch, nr));
    }

    [Theory]
    [InlineData(424)] // pidfd_send_signal, just below io_uring
    [InlineData(428)] // open_tree, just above
    [InlineData(435)] // clone3
    public void TheCallsAroundIoUring_StillRun(int nr)
    {
        Assert.Equal(SECCOMP_RET_ALLOW, Run(AUDIT_ARCH_X86_64, nr));
    }

    [Theory]
    [InlineData(361, SECCOMP_RET_ERRNO | 1)]  // bind: the daemon cannot decide an i386 call, so it is refused
    [InlineData(362, SECCOMP_RET_ERRNO | 1)]  // connect
    [InlineData(363, SECCOMP_RET_ERRNO | 1)]  // listen
    [InlineData(359, SECCOMP_RET_ALLOW)]      // socket: made in the app's empty namespace on this path
    [InlineData(360, SECCOMP_RET_ALLOW)]      // socketpair
    [InlineData(364, SECCOMP_RET_ALLOW)]      // accept4
    [InlineData(365, SECCOMP_RET_ALLOW)]      // getsockopt
    [InlineData(367, SECCOMP_RET_ALLOW)]      // getsockname
    [InlineData(371, SECCOMP_RET_ALLOW)]      // recvfrom
    [InlineData(373, SECCOMP_RET_ALLOW)]      // shutdown
    [InlineData(3, SECCOMP_RET_ALLOW)]        // read
    [InlineData(42, SECCOMP_RET_ALLOW)]       // i386 42 is pipe, not connect
    public void I386Entry_RefusesTheCallsTheDaemonWouldDecide(int nr, uint expected)
    {
        Assert.Equal(expected, Run(AUDIT_ARCH_I386, nr, 3, 0x10000, 16));
    }

    [Theory]
    [InlineData(0ul, SECCOMP_RET_ALLOW)]                          // send(): no address
    [InlineData(0x10000ul, SECCOMP_RET_ERRNO | 1)]                // a destination
    [InlineData(0x100000000ul, SECCOMP_RET_ALLOW)]                // the kernel truncates to 32 bits: NULL
    [InlineData(0xffffffff00010000ul, SECCOMP_RET_ERRNO | 1)]     // upper garbage, a real low pointer
    public void I386SendTo_IsRefusedOnlyWithADestinationAddress(ulong destination, uint expected)
    {
        Assert.Equal(expected, Run(AUDIT_ARCH_I386, 369, 3, 0, 0, 0, destination));
    }

    [Theory]
    [InlineData(370, 2, 0u, SECCOMP_RET_ALLOW)]                   // sendmsg
    [InlineData(370, 2, 0x20000000u, SECCOMP_RET_ERRNO | 95)]     // sendmsg(MSG_FASTOPEN)
    [InlineData(345, 3, 0u, SECCOMP_RET_ALLOW)]                   // sendmmsg
    [InlineData(345, 3, 0x20000000u, SECCOMP_RET_ERRNO | 95)]     // sendmmsg(MSG_FASTOPEN)
    public void I386FastOpenThroughSendmsg_IsRefusedAsOnX8664(int nr, int flagsArg, uint flags, uint expected)
    {
        Assert.Equal(expected, Run(AUDIT_ARCH_I386, nr, 3, 0, flagsArg == 2 ? flags : 0, flagsArg == 3 ? flags : 0));
    }

    [Theory]
    [InlineData(1, 36, SECCOMP_RET_ERRNO | 1)] // SOL_SOCKET, SO_MARK
    [InlineData(1, 2, SECCOMP_RET_ALLOW)]      // SOL_SOCKET, SO_REUSEADDR
    [InlineData(6, 36, SECCOMP_RET_ALLOW)]     // IPPROTO_TCP, option 36
    public void I386SetSockOpt_RefusesOnlySoMark(ulong level, ulong name, uint expected)
    {
        Assert.Equal(expected, Run(AUDIT_ARCH_I386, 366, 3, level, name));
    }

    [Theory]
    [InlineData(1, SECCOMP_RET_ALLOW)]         // SYS_SOCKET
    [InlineData(2, SECCOMP_RET_ERRNO | 1)]     // SYS_BIND
    [InlineData(3, SECCOMP_RET_ERRNO | 1)]     // SYS_CONNECT
    [InlineData(4, SECCOMP_RET_ERRNO | 1)]     // SYS_LISTEN
    [InlineData(5, SECCOMP_RET_ALLOW)]         // SYS_ACCEPT
    [InlineData(6, SECCOMP_RET_ALLOW)]         // SYS_GETSOCKNAME
    [InlineData(8, SECCOMP_RET_ALLOW)]         // SYS_SOCKETPAIR
    [InlineData(9, SECCOMP_RET_ALLOW)]         // SYS_SEND
    [InlineData(10, SECCOMP_RET_ALLOW)]        // SYS_RECV
    [InlineData(11, SECCOMP_RET_ERRNO | 1)]    // SYS_SENDTO: its address is in memory, out of reach
    [InlineData(13, SECCOMP_RET_ALLOW)]        // SYS_SHUTDOWN
    [InlineData(14, SECCOMP_RET_ERRNO | 1)]    // SYS_SETSOCKOPT
    [InlineData(15, SECCOMP_RET_ALLOW)]        // SYS_GETSOCKOPT
    [InlineData(16, SECCOMP_RET_ERRNO | 1)]    // SYS_SENDMSG: its flags are in memory
    [InlineData(17, SECCOMP_RET_ALLOW)]        // SYS_RECVMSG
    [InlineData(18, SECCOMP_RET_ALLOW)]        // SYS_ACCEPT4
    [InlineData(20, SECCOMP_RET_ERRNO | 1)]    // SYS_SENDMMSG
    public void I386SocketCall_RefusesTheCallsWhoseArgumentsItCannotRead(ulong call, uint expected)
    {
        Assert.Equal(expected, Run(AUDIT_ARCH_I386, 102, call, 0x10000));
    }

    [Theory]
    [InlineData(42)] // connect
    [InlineData(49)] // bind
    [InlineData(0)]  // read
    [InlineData(425)]
    [InlineData(518)] // the x32 sendmsg
    public void X32Calls_AllFailWithEnosys_AsOnAKernelWithoutX32(int nr)
    {
        Assert.Equal(SECCOMP_RET_ERRNO | 38, Run(AUDIT_ARCH_X86_64, (int)(X32_SYSCALL_BIT | (uint)nr), 2));
    }

    [Theory]
    [InlineData(0xC00000B7u)] // AUDIT_ARCH_AARCH64
    [InlineData(0x40000028u)] // AUDIT_ARCH_ARM
    [InlineData(0u)]
    public void AnyOtherArchitecture_KillsTheProcess(uint arch)
    {
        Assert.Equal(SECCOMP_RET_KILL_PROCESS, Run(arch, 42, 2));
    }

    [Fact]
    public void X8664Connect_IsStillDecidedBeforeAnyOtherCheck()
    {
        // Load arch, compare, load nr, the x32 test, then bind and connect: the i386, x32 and io_uring
        // rules added nothing in front of the hot notified calls.
        Assert.Equal(SECCOMP_RET_USER_NOTIF, Run(AUDIT_ARCH_X86_64, 42, out int steps, out _, 3));
        Assert.Equal(7, steps);
    }

    [Theory]
    [InlineData(0xC000003Eu, 0)]   // read
    [InlineData(0xC000003Eu, 1)]   // write
    [InlineData(0xC000003Eu, 43)]  // accept
    [InlineData(0xC000003Eu, 45)]  // recvfrom
    [InlineData(0xC000003Eu, 425)] // io_uring_setup: refused, by number alone
    [InlineData(0x40000003u, 3)]   // i386 read
    [InlineData(0x40000003u, 362)] // i386 connect
    public void DataPathAndRefusedCalls_AreDecidedByNumberAlone_SoTheKernelsCacheCanSkipTheFilter(uint arch, int nr)
    {
        Run(arch, nr, out _, out bool readArguments, 3, 1, 2, 0, 0x10000);
        Assert.False(readArguments);
    }

    [Fact]
    public void EveryJump_LandsInsideTheProgram_AndEveryPathEndsInAReturn()
    {
        var program = SeccompFilterProgram.Build();
        Assert.True(program.Length <= 4096);
        Assert.Equal(0x06, program[^1].Code);
        for (int pc = 0; pc < program.Length; pc++)
        {
            if ((program[pc].Code & 0x07) == 0x05)
            {
                Assert.InRange(pc + 1 + program[pc].JumpTrue, pc + 1, program.Length - 1);
                Assert.InRange(pc + 1 + program[pc].JumpFalse, pc + 1, program.Length - 1);
            }
        }
    }

    /// <summary>A tiny interpreter for the instructions the program uses (ld abs, jeq, jge, jset, ret).</summary>
    private static uint Run(uint arch, int nr, params ulong[] args) => Run(arch, nr, out _, out _, args);

    /// <summary>The same, and how many instructions ran and whether any read an argument.</summary>
    private static uint Run(uint arch, int nr, out int steps, out bool readArguments, params ulong[] args)
    {
        var program = SeccompFilterProgram.Build();
        uint accumulator = 0;
        steps = 0;
        readArguments = false;
        for (int pc = 0; pc < program.Length; pc++)
        {
            var instruction = program[pc];
            steps++;
            readArguments |= instruction.Code == 0x20 && instruction.K >= 16;
            switch (instruction.Code)
            {
                case 0x20:
                    accumulator = instruction.K switch
                    {
                        0 => (uint)nr,
                        4 => arch,
                        >= 16 and < 64 when instruction.K % 4 == 0 => Argument(args, (int)(instruction.K - 16) / 8, (instruction.K % 8) == 4),
                        _ => throw new InvalidOperationException($"unexpected load at {instruction.K}"),
                    };
                    break;
                case 0x15:
                    pc += accumulator == instruction.K ? instruction.JumpTrue : instruction.JumpFalse;
                    break;
                case 0x35:
                    pc += accumulator >= instruction.K ? instruction.JumpTrue : instruction.JumpFalse;
                    break;
                case 0x45:
                    pc += (accumulator & instruction.K) != 0 ? instruction.JumpTrue : instruction.JumpFalse;
                    break;
                case 0x06:
                    return instruction.K;
                default:
                    throw new InvalidOperationException($"unexpected opcode {instruction.Code:x}");
            }
        }

        throw new InvalidOperationException("fell off the end of the program");
    }

    private static uint Argument(ulong[] args, int index, bool high)
    {
        ulong value = index < args.Length ? args[index] : 0;
        return high ? (uint)(value >> 32) : (uint)value;
    }
}
