namespace Ax.Guard;

/// <summary>
/// The eBPF registers a program names (Documentation/bpf/standardization/instruction-set.rst): r0 holds a
/// call's result and the program's, r1-r5 a call's arguments (clobbered by it), r6-r9 survive calls (each
/// program names them for what it keeps there), r10 the read-only frame pointer.
/// </summary>
internal static class BpfRegister
{
    internal const int R0 = 0;
    internal const int R1 = 1;
    internal const int R2 = 2;
    internal const int R3 = 3;
    internal const int R4 = 4;
    internal const int R5 = 5;
    internal const int Frame = 10;
}
