using static Interop.Bpf;

namespace Ax.Guard;

/// <summary>
/// A small eBPF assembler: appends instructions and resolves jumps to named labels when the program
/// is built. Only the encodings the guard programs need are here; each helper names the instruction
/// in the kernel's own notation (Documentation/bpf/standardization/instruction-set.rst).
/// </summary>
internal sealed class BpfProgramBuilder
{
    // Instruction classes, sizes, modes and operations of <linux/bpf.h> and <linux/bpf_common.h>.
    internal const byte ClassLdx = 0x01;
    internal const byte ClassSt = 0x02;
    internal const byte ClassStx = 0x03;
    internal const byte ClassAlu = 0x04;
    internal const byte ClassJmp = 0x05;
    internal const byte ClassJmp32 = 0x06;
    internal const byte ClassAlu64 = 0x07;
    internal const byte SizeW = 0x00;
    internal const byte SizeH = 0x08;
    internal const byte SizeDw = 0x18;
    internal const byte ModeImm = 0x00;
    internal const byte ModeMem = 0x60;
    internal const byte ModeAtomic = 0xc0;
    internal const byte SourceK = 0x00;
    internal const byte SourceX = 0x08;
    internal const byte OpAdd = 0x00;
    internal const byte OpOr = 0x40;
    internal const byte OpAnd = 0x50;
    internal const byte OpRsh = 0x70;
    internal const byte OpMov = 0xb0;
    internal const byte OpEnd = 0xd0;
    internal const byte OpCall = 0x80;
    internal const byte OpExit = 0x90;

    /// <summary>Jump conditions, as the operation bits of a BPF_JMP or BPF_JMP32 instruction.</summary>
    internal enum Condition : byte
    {
        Equal = 0x10,
        NotEqual = 0x50,
        Below = 0xa0,
        BelowOrEqual = 0xb0,
    }

    private readonly List<BpfInsn> _instructions = [];
    private readonly List<(int Index, string Label)> _jumps = [];
    private readonly Dictionary<string, int> _labels = new(StringComparer.Ordinal);

    internal int Count => _instructions.Count;

    /// <summary>dst = src (64 bits).</summary>
    internal void MoveRegister(int dst, int src) => Emit(ClassAlu64 | OpMov | SourceX, dst, src, 0, 0);

    /// <summary>dst = imm (64 bits, sign-extended).</summary>
    internal void MoveImmediate(int dst, int imm) => Emit(ClassAlu64 | OpMov | SourceK, dst, 0, 0, imm);

    /// <summary>dst = imm64, two instruction slots.</summary>
    internal void LoadImmediate64(int dst, ulong imm) => LoadWide(dst, 0, imm);

    /// <summary>dst = the map with this file descriptor (BPF_LD_IMM64 with BPF_PSEUDO_MAP_FD).</summary>
    internal void LoadMap(int dst, int mapFd) => LoadWide(dst, BPF_PSEUDO_MAP_FD, (uint)mapFd);

    /// <summary>dst = *(u32 *)(src + offset).</summary>
    internal void LoadWord(int dst, int src, short offset) => Emit(ClassLdx | ModeMem | SizeW, dst, src, offset, 0);

    /// <summary>dst = *(u64 *)(src + offset).</summary>
    internal void LoadDoubleWord(int dst, int src, short offset) => Emit(ClassLdx | ModeMem | SizeDw, dst, src, offset, 0);

    /// <summary>*(u32 *)(dst + offset) = src.</summary>
    internal void StoreWord(int dst, short offset, int src) => Emit(ClassStx | ModeMem | SizeW, dst, src, offset, 0);

    /// <summary>*(u16 *)(dst + offset) = src.</summary>
    internal void StoreHalf(int dst, short offset, int src) => Emit(ClassStx | ModeMem | SizeH, dst, src, offset, 0);

    /// <summary>*(u32 *)(dst + offset) = imm.</summary>
    internal void StoreWordImmediate(int dst, short offset, int imm) => Emit(ClassSt | ModeMem | SizeW, dst, 0, offset, imm);

    /// <summary>dst += imm (64 bits).</summary>
    internal void AddImmediate(int dst, int imm) => Emit(ClassAlu64 | OpAdd | SourceK, dst, 0, 0, imm);

    /// <summary>dst &amp;= imm (64 bits, imm sign-extended).</summary>
    internal void AndImmediate(int dst, int imm) => Emit(ClassAlu64 | OpAnd | SourceK, dst, 0, 0, imm);

    /// <summary>dst |= imm (64 bits, imm sign-extended).</summary>
    internal void OrImmediate(int dst, int imm) => Emit(ClassAlu64 | OpOr | SourceK, dst, 0, 0, imm);

    /// <summary>dst >>= imm (64 bits, logical).</summary>
    internal void ShiftRightImmediate(int dst, int imm) => Emit(ClassAlu64 | OpRsh | SourceK, dst, 0, 0, imm);

    /// <summary>
    /// dst = htobe16(dst): the low 16 bits swapped on this little-endian machine, the rest cleared
    /// (BPF_END | BPF_TO_BE). A swap is its own inverse, so it also turns a network-order port into a number.
    /// </summary>
    internal void ToBigEndian16(int dst) => Emit(ClassAlu | OpEnd | SourceX, dst, 0, 0, 16);

    /// <summary>dst = htobe32(dst): a host-order 32-bit value as the network-order word a context field holds.</summary>
    internal void ToBigEndian32(int dst) => Emit(ClassAlu | OpEnd | SourceX, dst, 0, 0, 32);

    /// <summary>if (u32)dst OP imm goto label (BPF_JMP32, K).</summary>
    internal void JumpIf32(Condition condition, int dst, uint imm, string label) =>
        EmitJump((byte)(ClassJmp32 | (byte)condition | SourceK), dst, 0, unchecked((int)imm), label);

    /// <summary>if dst OP imm goto label, 64 bits, imm sign-extended (BPF_JMP, K).</summary>
    internal void JumpIf(Condition condition, int dst, int imm, string label) =>
        EmitJump((byte)(ClassJmp | (byte)condition | SourceK), dst, 0, imm, label);

    /// <summary>if dst OP src goto label, 64 bits (BPF_JMP, X).</summary>
    internal void JumpIfRegister(Condition condition, int dst, int src, string label) =>
        EmitJump((byte)(ClassJmp | (byte)condition | SourceX), dst, src, 0, label);

    /// <summary>if (u32)dst OP (u32)src goto label (BPF_JMP32, X).</summary>
    internal void JumpIfRegister32(Condition condition, int dst, int src, string label) =>
        EmitJump((byte)(ClassJmp32 | (byte)condition | SourceX), dst, src, 0, label);

    /// <summary>
    /// The 32-bit value a load of a network-order address gives on this little-endian machine, for a
    /// host-order <paramref name="address"/>: 10.0.0.1 is the bytes 0a 00 00 01, read as 0x0100000a.
    /// </summary>
    internal static uint NetworkOrderWord(uint address) =>
        BitConverter.IsLittleEndian ? System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(address) : address;

    /// <summary>goto label (BPF_JA).</summary>
    internal void Jump(string label) => EmitJump(ClassJmp, 0, 0, 0, label);

    /// <summary>lock *(u64 *)(dst + offset) += src: an atomic add, safe against the same program on another CPU.</summary>
    internal void AtomicAdd64(int dst, short offset, int src) => Emit(ClassStx | ModeAtomic | SizeDw, dst, src, offset, OpAdd);

    /// <summary>lock *(u32 *)(dst + offset) += src: the 32-bit atomic add (a negative src subtracts, wrapping).</summary>
    internal void AtomicAdd32(int dst, short offset, int src) => Emit(ClassStx | ModeAtomic | SizeW, dst, src, offset, OpAdd);

    /// <summary>r0 = helper(r1..r5).</summary>
    internal void Call(int helper) => Emit(ClassJmp | OpCall, 0, 0, 0, helper);

    /// <summary>
    /// r0 = bpf_sk_storage_get(map, socket, NULL, flags): the socket's value in a socket storage map, or NULL
    /// (with BPF_SK_STORAGE_GET_F_CREATE, a new zeroed one). The socket is in <paramref name="socket"/>; r1-r5 are clobbered.
    /// </summary>
    internal void SocketStorageGet(int mapFd, int socket, int flags = 0)
    {
        if (socket is BpfRegister.R1 or BpfRegister.R3 or BpfRegister.R4)
        {
            throw new ArgumentOutOfRangeException(nameof(socket), "the socket must be in r2 or a register the call's arguments leave alone");
        }

        LoadMap(BpfRegister.R1, mapFd);
        if (socket != BpfRegister.R2)
        {
            MoveRegister(BpfRegister.R2, socket);
        }

        MoveImmediate(BpfRegister.R3, 0);
        MoveImmediate(BpfRegister.R4, flags);
        Call(BPF_FUNC_sk_storage_get);
    }

    internal void Exit() => Emit(ClassJmp | OpExit, 0, 0, 0, 0);

    /// <summary>Gives the next instruction a name that jumps can target.</summary>
    internal void Label(string name) => _labels.Add(name, _instructions.Count);

    /// <summary>The program, with every jump resolved; a label that is missing or out of reach is a bug here.</summary>
    internal BpfInsn[] Build()
    {
        BpfInsn[] program = [.. _instructions];
        foreach (var (index, label) in _jumps)
        {
            if (!_labels.TryGetValue(label, out int target) || target <= index || target >= program.Length)
            {
                throw new InvalidOperationException($"jump at {index} to '{label}' does not land forward inside the program");
            }

            program[index].Offset = checked((short)(target - index - 1));
        }

        return program;
    }

    private void LoadWide(int dst, int src, ulong imm)
    {
        Emit(0x18 /* BPF_LD | BPF_IMM | BPF_DW */, dst, src, 0, unchecked((int)(uint)imm));
        Emit(0, 0, 0, 0, unchecked((int)(uint)(imm >> 32)));
    }

    private void EmitJump(byte code, int dst, int src, int imm, string label)
    {
        _jumps.Add((_instructions.Count, label));
        Emit(code, dst, src, 0, imm);
    }

    private void Emit(int code, int dst, int src, short offset, int imm) =>
        _instructions.Add(new BpfInsn { Code = (byte)code, Registers = (byte)((src << 4) | dst), Offset = offset, Immediate = imm });
}
