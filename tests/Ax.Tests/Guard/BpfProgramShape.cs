using static Interop.Bpf;

namespace Ax.Tests.Guard;

/// <summary>What every program the daemon assembles must be before the verifier sees it.</summary>
internal static class BpfProgramShape
{
    /// <summary>Every jump lands forward inside the program, and its last instruction is exit.</summary>
    internal static void AssertJumpsLandInsideAndItEndsInExit(BpfInsn[] program)
    {
        for (int pc = 0; pc < program.Length; pc++)
        {
            byte code = program[pc].Code;
            bool isJump = (code & 0x07) is 0x05 or 0x06 && (code & 0xf0) is not (0x80 or 0x90);
            if (isJump)
            {
                int target = pc + 1 + program[pc].Offset;
                Assert.InRange(target, pc + 1, program.Length - 1);
            }
        }

        Assert.Equal(0x95, program[^1].Code);
    }
}
