using System.Buffers.Binary;
using Ax.Guard;
using static Interop.Bpf;

namespace Ax.Tests.Guard;

/// <summary>
/// Runs the guard's eBPF programs in a small interpreter on sample struct bpf_sock_addr contexts, to
/// prove which calls they refuse; the kernel's verifier and SocketGuardKernelTests check the rest.
/// </summary>
public sealed class GuardProgramTests
{
    private const int DaemonPid = 4242;
    private const int AppPid = 777;
    private const uint NodeIp = (10u << 24) | (213u << 16) | (7u << 8) | 2u;
    private const uint VirtualIp = (2u << 24) | (2u << 16) | (2u << 8) | 2u;
    private const int MarkerFd = 7;
    private const int DaemonFd = 8;
    private const int MapFd = 9;
    private const ulong DaemonPidNsDevice = 4;
    private const ulong DaemonPidNsInode = 4026531836;

    [Fact]
    public void EveryJumpLandsInsideTheProgram_AndItEndsInExit()
    {
        foreach (BpfInsn[] program in new[]
        {
            UdpSendGuardProgram.Build(MarkerFd, DaemonFd, MapFd), SocketGuardProgram.Build(MarkerFd, DaemonFd), Ax.ServiceTable.SocketReleaseProgram.Build(MarkerFd, MapFd),
            UdpSendGuardProgram.Build(MarkerFd, DaemonFd, MapFd, DaemonCallerCheck.InitialNamespaceTgid), SocketGuardProgram.Build(MarkerFd, DaemonFd, DaemonCallerCheck.InitialNamespaceTgid),
        })
        {
            BpfProgramShape.AssertJumpsLandInsideAndItEndsInExit(program);
        }
    }

    [Theory]
    [InlineData(40000)]
    [InlineData(40001)]
    [InlineData(50000)]
    [InlineData(60000)]
    [InlineData(53)]
    public void NodeIp_IsNotRefusedOnAPortAxDidNotBind_PoolRangeOrNot(ushort port)
    {
        // A client on the node with an ephemeral port in the --ports range gets a UDP server's reply.
        Assert.True(Run(NodeIp, port, map: [new(NodeIp, 40005)]));
    }

    [Fact]
    public void MapEntries_RefuseAnExactPort_OrEveryPortOfAnAddress()
    {
        UdpGuardKey[] map = [new(NodeIp, 10000), new(NodeIp, 40005), UdpGuardKey.AnyPort(VirtualIp)];

        Assert.False(Run(NodeIp, 10000, map: map));          // an exposed host port outside the pool
        Assert.False(Run(NodeIp, 40005, map: map));          // a pool port ax bound for a UDP service
        Assert.True(Run(NodeIp, 10001, map: map));
        Assert.False(Run(VirtualIp, 5300, map: map));        // a virtual IP, any port
        Assert.False(Run(VirtualIp, 1, map: map));
        Assert.True(Run(VirtualIp + 1, 5300, map: map));     // plain egress
    }

    [Fact]
    public void TheDaemonsOwnSends_AndSocketsItDidNotMark_AreLeftAlone()
    {
        UdpGuardKey[] map = [new(NodeIp, 40005)];
        Assert.False(Run(NodeIp, 40005, map: map));
        Assert.True(Run(NodeIp, 40005, pid: DaemonPid, map: map));
        Assert.True(Run(NodeIp, 40005, marked: false, map: map));
    }

    [Fact]
    public void ConnectAndBind_AreRefusedOnAnAppSocket_ForEveryoneButTheDaemon()
    {
        BpfInsn[] program = SocketGuardProgram.Build(MarkerFd, DaemonFd);
        Assert.False(Run(NodeIp, 40005, program: program));
        Assert.True(Run(NodeIp, 40005, pid: DaemonPid, program: program));
        Assert.True(Run(NodeIp, 40005, marked: false, program: program));
    }

    /// <summary>Kernels before 6.10, where a cgroup program may not call bpf_get_ns_current_pid_tgid: the machine-wide tgid.</summary>
    [Fact]
    public void OnOlderKernels_TheMachineWideTgid_TellsTheDaemonFromApps()
    {
        BpfInsn[] connectBind = SocketGuardProgram.Build(MarkerFd, DaemonFd, DaemonCallerCheck.InitialNamespaceTgid);
        BpfInsn[] udp = UdpSendGuardProgram.Build(MarkerFd, DaemonFd, MapFd, DaemonCallerCheck.InitialNamespaceTgid);
        UdpGuardKey[] map = [new(NodeIp, 40005)];

        Assert.False(Run(NodeIp, 40005, program: connectBind));
        Assert.True(Run(NodeIp, 40005, pid: DaemonPid, program: connectBind));
        Assert.True(Run(NodeIp, 40005, marked: false, program: connectBind));
        Assert.False(Run(NodeIp, 40005, map: map, program: udp));
        Assert.True(Run(NodeIp, 40005, pid: DaemonPid, map: map, program: udp));
        Assert.True(Run(NodeIp, 40006, map: map, program: udp));
    }

    [Fact]
    public void TheDaemonsPid_SeenFromAnotherPidNamespace_IsAnApp()
    {
        // A process in a container's own PID namespace may have the daemon's number there: it is
        // still refused, and its UDP sends still meet the destination check.
        BpfInsn[] program = SocketGuardProgram.Build(MarkerFd, DaemonFd);
        Assert.False(Run(NodeIp, 40005, pid: DaemonPid, pidNamespaceInode: DaemonPidNsInode + 1, program: program));
        UdpGuardKey[] map = [new(NodeIp, 40005)];
        Assert.False(Run(NodeIp, 40005, pid: DaemonPid, pidNamespaceInode: DaemonPidNsInode + 1, map: map));
        Assert.True(Run(NodeIp, 40006, pid: DaemonPid, pidNamespaceInode: DaemonPidNsInode + 1, map: map));
    }

    /// <summary>True when the program allows the call (returns 1).</summary>
    private static bool Run(uint address, ushort port, int pid = AppPid, bool marked = true, UdpGuardKey[]? map = null, BpfInsn[]? program = null, ulong pidNamespaceInode = DaemonPidNsInode)
    {
        const int Ctx = 0x1000;
        const int Sk = 0x2000;
        const int StackTop = 0x3200;
        const int DaemonValue = 0x3a00;
        var memory = new byte[0x4000];
        BinaryPrimitives.WriteUInt32BigEndian(memory.AsSpan(Ctx + UdpSendGuardProgram.OffsetUserIp4), address);
        BinaryPrimitives.WriteUInt16BigEndian(memory.AsSpan(Ctx + UdpSendGuardProgram.OffsetUserPort), port);
        BinaryPrimitives.WriteUInt64LittleEndian(memory.AsSpan(Ctx + AppSocketCheck.OffsetSk), Sk);
        new DaemonIdentity(DaemonPid, DaemonPidNsDevice, DaemonPidNsInode).Encode(memory.AsSpan(DaemonValue));
        var keys = (map ?? []).Select(k =>
        {
            var bytes = new byte[UdpGuardKey.Size];
            k.Encode(bytes);
            return Convert.ToHexString(bytes);
        }).ToHashSet();

        program ??= UdpSendGuardProgram.Build(MarkerFd, DaemonFd, MapFd);
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
                    Assert.True(src != BPF_PSEUDO_MAP_FD || insn.Immediate is MarkerFd or DaemonFd or MapFd);
                    r[dst] = imm | ((ulong)unchecked((uint)program[++pc].Immediate) << 32);
                    break;
                case 0x61: r[dst] = BinaryPrimitives.ReadUInt32LittleEndian(memory.AsSpan(Address(r[src], insn.Offset))); break;
                case 0x79: r[dst] = BinaryPrimitives.ReadUInt64LittleEndian(memory.AsSpan(Address(r[src], insn.Offset))); break;
                case 0x63: BinaryPrimitives.WriteUInt32LittleEndian(memory.AsSpan(Address(r[dst], insn.Offset)), (uint)r[src]); break;
                case 0x62: BinaryPrimitives.WriteUInt32LittleEndian(memory.AsSpan(Address(r[dst], insn.Offset)), imm); break;
                case 0x85:
                    r[0] = insn.Immediate switch
                    {
                        BPF_FUNC_get_ns_current_pid_tgid => PidNsInfo(r[1], r[2], r[3], r[4]),
                        BPF_FUNC_get_current_pid_tgid => ((ulong)(uint)pid << 32) | (uint)pid, // the initial namespace's numbers
                        BPF_FUNC_sk_storage_get => r[1] == MarkerFd && r[2] == Sk && marked ? 0x3800ul : 0,
                        BPF_FUNC_map_lookup_elem when r[1] == DaemonFd => BinaryPrimitives.ReadUInt32LittleEndian(memory.AsSpan(Address(r[2], 0))) == 0 ? (ulong)DaemonValue : 0,
                        BPF_FUNC_map_lookup_elem when r[1] == MapFd => keys.Contains(Convert.ToHexString(memory.AsSpan(Address(r[2], 0), UdpGuardKey.Size))) ? 0x3800ul : 0,
                        _ => throw new InvalidOperationException($"unexpected helper {insn.Immediate}"),
                    };
                    Array.Clear(r, 1, 5);
                    break;
                case 0x95: return r[0] switch { 1 => true, 0 => false, _ => throw new InvalidOperationException($"returned {r[0]}") };
                default:
                    bool wide = (insn.Code & 0x07) == 0x05;
                    ulong left = wide ? r[dst] : (uint)r[dst];
                    ulong right = (insn.Code & 0x08) != 0 ? (wide ? r[src] : (uint)r[src]) : wide ? unchecked((ulong)(long)insn.Immediate) : imm;
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

        // bpf_get_ns_current_pid_tgid (kernel/bpf/helpers.c): fills struct bpf_pidns_info where the
        // caller's namespace is the one asked about; zeroes it and fails with -EINVAL otherwise.
        ulong PidNsInfo(ulong device, ulong inode, ulong info, ulong size)
        {
            Assert.Equal(8ul, size);
            Span<byte> bytes = memory.AsSpan(Address(info, 0), 8);
            if (device != DaemonPidNsDevice || inode != pidNamespaceInode)
            {
                bytes.Clear();
                return unchecked((ulong)-22);
            }

            BinaryPrimitives.WriteInt32LittleEndian(bytes, pid);
            BinaryPrimitives.WriteInt32LittleEndian(bytes[4..], pid);
            return 0;
        }
    }
}
