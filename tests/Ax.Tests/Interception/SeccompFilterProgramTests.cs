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

    [Fact]
    public void OtherAbis_AreLeftAlone()
    {
        Assert.Equal(SECCOMP_RET_ALLOW, Run(0x40000003 /* AUDIT_ARCH_I386 */, 102, 2));
        Assert.Equal(SECCOMP_RET_ALLOW, Run(AUDIT_ARCH_X86_64, (int)(X32_SYSCALL_BIT | 42), 2));
    }

    /// <summary>A tiny interpreter for the instructions the program uses (ld abs, jeq, jge, jset, ret).</summary>
    private static uint Run(uint arch, int nr, params ulong[] args)
    {
        var program = SeccompFilterProgram.Build();
        uint accumulator = 0;
        for (int pc = 0; pc < program.Length; pc++)
        {
            var instruction = program[pc];
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
