using Ax.Routing.Health;
using static Interop.Bpf;

namespace Ax.Tests.Routing.Health;

/// <summary>The connection counter's program as built, before the kernel's verifier sees it (ConnectionTrackerKernelTests loads it).</summary>
public sealed class ConnectionTrackerProgramTests
{
    [Fact]
    public void EveryJumpLandsInsideTheProgram_AndItEndsInExit()
    {
        Ax.Tests.Guard.BpfProgramShape.AssertJumpsLandInsideAndItEndsInExit(ConnectionTrackerProgram.Build(socketsMapFd: 7, countsMapFd: 8));
    }

    [Fact]
    public void TheOpenCountIsChangedOnlyByAtomicAdds_AndFlagsAreOredIntoTheSocketsOwn()
    {
        // Several CPUs change one server's counts at once; a plain store would lose updates. The one
        // plain store allowed is the failure run's reset to 0. And bpf_sock_ops_cb_flags_set replaces the
        // flags, so the program must read bpf_sock_ops_cb_flags (offset 84) before it sets them.
        BpfInsn[] program = ConnectionTrackerProgram.Build(7, 8);
        const byte atomicAdd32 = 0x03 | 0xc0 | 0x00;
        Assert.Equal(3, program.Count(i => i.Code == atomicAdd32 && i.Immediate == 0x00));
        int setFlags = Array.FindIndex(program, i => i.Code == 0x85 && i.Immediate == BPF_FUNC_sock_ops_cb_flags_set);
        Assert.True(setFlags > 0);
        Assert.Contains(program[..setFlags], i => i.Code == 0x61 && i.Offset == 84);
        Assert.Contains(program[..setFlags], i => i.Code == 0x47 && i.Immediate == BPF_SOCK_OPS_STATE_CB_FLAG);
    }
}
