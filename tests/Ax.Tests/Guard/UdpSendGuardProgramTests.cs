using System.Buffers.Binary;
using Ax.Guard;
using static Interop.Bpf;

namespace Ax.Tests.Guard;

/// <summary>
/// Runs the guard's eBPF program in a small interpreter on sample struct bpf_sock_addr contexts, to
/// prove which datagrams it refuses; the kernel's verifier and the end-to-end tests check the rest.
/// </summary>
public sealed class UdpSendGuardProgramTests
{
    private const int DaemonPid = 4242;
    private const int AppPid = 777;
    private const ulong Cookie = 0x1234_5678_9abc;
    private const uint NodeIp = (10u << 24) | (213u << 16) | (7u << 8) | 2u;
    private const uint VirtualIp = (2u << 24) | (2u << 16) | (2u << 8) | 2u;
    private const int MapFd = 9;

    private static readonly UdpGuardSettings Settings = new(UdpSendGuard.SocketMark, DaemonPid, Cookie, NodeIp, [(4000, 4000), (6000, 8000)]);

    [Fact]
    public void EveryJumpLandsInsideTheProgram_AndItEndsInExit()
    {
        BpfInsn[] program = UdpSendGuardProgram.Build(Settings, MapFd);

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
        // 37 fixed instructions (two map lookups among them) and two per pool range.
        Assert.Equal(37 + (2 * Settings.PoolRanges.Count), program.Length);
    }

    [Theory]
    [InlineData(4000, false)]
    [InlineData(4001, true)]
    [InlineData(5999, true)]
    [InlineData(6000, false)]
    [InlineData(7123, false)]
    [InlineData(8000, false)]
    [InlineData(8001, true)]
    [InlineData(53, true)]
    public void NodeIp_IsRefusedOnPoolPortsOnly(ushort port, bool allowed)
    {
        Assert.Equal(allowed, Run(NodeIp, port));
    }

    [Fact]
    public void MapEntries_RefuseAnExactPort_OrEveryPortOfAnAddress()
    {
        UdpGuardKey[] map = [new(NodeIp, 10000), UdpGuardKey.AnyPort(VirtualIp)];

        Assert.False(Run(NodeIp, 10000, map: map));          // an exposed host port outside the pool
        Assert.True(Run(NodeIp, 10001, map: map));
        Assert.False(Run(VirtualIp, 5300, map: map));        // a virtual IP, any port
        Assert.False(Run(VirtualIp, 1, map: map));
        Assert.True(Run(VirtualIp + 1, 5300, map: map));     // plain egress
    }

    [Fact]
    public void TheDaemonsOwnSends_UnmarkedSockets_AndOtherNamespaces_AreLeftAlone()
    {
        Assert.False(Run(NodeIp, 7000));
        Assert.True(Run(NodeIp, 7000, pid: DaemonPid));
        Assert.True(Run(NodeIp, 7000, mark: 0));
        Assert.True(Run(NodeIp, 7000, mark: UdpSendGuard.SocketMark + 1));
        Assert.True(Run(NodeIp, 7000, cookie: Cookie + 1));
    }

    /// <summary>True when the program allows the datagram (returns 1).</summary>
    private static bool Run(uint address, ushort port, int pid = AppPid, uint mark = UdpSendGuard.SocketMark, ulong cookie = Cookie, UdpGuardKey[]? map = null)
    {
        const int Ctx = 0x1000;
        const int Sk = 0x2000;
        const int StackTop = 0x3200;
        var memory = new byte[0x4000];
        BinaryPrimitives.WriteUInt32BigEndian(memory.AsSpan(Ctx + UdpSendGuardProgram.OffsetUserIp4), address);
        BinaryPrimitives.WriteUInt16BigEndian(memory.AsSpan(Ctx + UdpSendGuardProgram.OffsetUserPort), port);
        BinaryPrimitives.WriteUInt64LittleEndian(memory.AsSpan(Ctx + UdpSendGuardProgram.OffsetSk), Sk);
        BinaryPrimitives.WriteUInt32LittleEndian(memory.AsSpan(Sk + UdpSendGuardProgram.OffsetSkMark), mark);
        var keys = (map ?? []).Select(k =>
        {
            var bytes = new byte[UdpGuardKey.Size];
            k.Encode(bytes);
            return Convert.ToHexString(bytes);
        }).ToHashSet();

        BpfInsn[] program = UdpSendGuardProgram.Build(Settings, MapFd);
        var r = new ulong[11];
        r[1] = Ctx;
        r[10] = StackTop;
        for (int pc = 0; pc < program.Length; pc++)
        {
            BpfInsn insn = program[pc];
            int dst = insn.Registers & 0x0f;
            int src = insn.Registers >> 4;
            uint imm = unchecked((uint)insn.Immediate);
            switch (insn.Code)
            {
                case 0xbf: r[dst] = r[src]; break;
                case 0xb7: r[dst] = unchecked((ulong)(long)insn.Immediate); break;
                case 0x07: r[dst] = unchecked(r[dst] + (ulong)(long)insn.Immediate); break;
                case 0x77: r[dst] >>= insn.Immediate; break;
                case 0xdc: r[dst] = BinaryPrimitives.ReverseEndianness((ushort)r[dst]); break;
                case 0x18:
                    Assert.Equal(src == BPF_PSEUDO_MAP_FD ? MapFd : insn.Immediate, insn.Immediate);
                    r[dst] = imm | ((ulong)unchecked((uint)program[++pc].Immediate) << 32);
                    break;
                case 0x61: r[dst] = BinaryPrimitives.ReadUInt32LittleEndian(memory.AsSpan(Address(r[src], insn.Offset))); break;
                case 0x79: r[dst] = BinaryPrimitives.ReadUInt64LittleEndian(memory.AsSpan(Address(r[src], insn.Offset))); break;
                case 0x63: BinaryPrimitives.WriteUInt32LittleEndian(memory.AsSpan(Address(r[dst], insn.Offset)), (uint)r[src]); break;
                case 0x62: BinaryPrimitives.WriteUInt32LittleEndian(memory.AsSpan(Address(r[dst], insn.Offset)), imm); break;
                case 0x85:
                    r[0] = insn.Immediate switch
                    {
                        BPF_FUNC_get_current_pid_tgid => ((ulong)(uint)pid << 32) | (uint)pid,
                        BPF_FUNC_get_netns_cookie => cookie,
                        BPF_FUNC_map_lookup_elem => keys.Contains(Convert.ToHexString(memory.AsSpan(Address(r[2], 0), UdpGuardKey.Size))) ? 0x3800ul : 0,
                        _ => throw new InvalidOperationException($"unexpected helper {insn.Immediate}"),
                    };
                    Array.Clear(r, 1, 5);
                    break;
                case 0x95: return r[0] switch { 1 => true, 0 => false, _ => throw new InvalidOperationException($"returned {r[0]}") };
                default:
                    bool wide = (insn.Code & 0x07) == 0x05;
                    ulong left = wide ? r[dst] : (uint)r[dst];
                    ulong right = (insn.Code & 0x08) != 0 ? r[src] : wide ? unchecked((ulong)(long)insn.Immediate) : imm;
                    bool taken = (insn.Code & 0xf0) switch
                    {
                        0x10 => left == right,
                        0x50 => left != right,
                        0xa0 => left < right,
                        0xb0 => left <= right,
                        _ => throw new InvalidOperationException($"unexpected opcode {insn.Code:x2}"),
                    };
                    pc += taken ? insn.Offset : 0;
                    break;
            }
        }

        throw new InvalidOperationException("fell off the end of the program");

        static int Address(ulong register, short offset) => checked((int)register + offset);
    }
}
