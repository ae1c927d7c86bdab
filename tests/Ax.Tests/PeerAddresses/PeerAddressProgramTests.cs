using System.Buffers.Binary;
using Ax.Guard;
using Ax.Interception;
using Ax.PeerAddresses;
using static Interop.Bpf;

namespace Ax.Tests.PeerAddresses;

/// <summary>The kernel's own verifier and map code judge what the daemon loads (the tests run as root).</summary>
public sealed class PeerAddressProgramTests
{
    private const uint NodeIp = 0x0a000001;

    public static TheoryData<string, uint> Hooks => new()
    {
        { nameof(PeerAddressProgram.Hook.GetPeerName4), BPF_CGROUP_INET4_GETPEERNAME },
        { nameof(PeerAddressProgram.Hook.GetPeerName6), BPF_CGROUP_INET6_GETPEERNAME },
        { nameof(PeerAddressProgram.Hook.ReceiveFrom4), BPF_CGROUP_UDP4_RECVMSG },
        { nameof(PeerAddressProgram.Hook.ReceiveFrom6), BPF_CGROUP_UDP6_RECVMSG },
        { nameof(PeerAddressProgram.Hook.ReplyTo4), BPF_CGROUP_UDP4_SENDMSG },
        { nameof(PeerAddressProgram.Hook.ReplyTo6), BPF_CGROUP_UDP6_SENDMSG },
    };

    [Theory]
    [MemberData(nameof(Hooks))]
    public void Program_PassesTheKernelVerifier(string hook, uint attachType)
    {
        using OwnedFd map = CreateMap();

        BpfInsn[] instructions = PeerAddressProgram.Build(Enum.Parse<PeerAddressProgram.Hook>(hook), NodeIp, map.Fd, markerMapFd: map.Fd, peerMapFd: map.Fd); // any socket storage map stands for the marker and the peer map
        Errno error = BpfSyscall.TryLoadSockAddrProgram("ax_test", instructions, attachType, out OwnedFd? program, out string log);
        using (program)
        {
            Assert.True(error == Errno.None, $"{hook}: {error}\n{log}");
        }
    }

    [Fact]
    public void DialledSourceProgram_PassesTheKernelVerifier_AndItsJumpsLandInside()
    {
        Assert.Equal(Errno.None, BpfSyscall.TryLoadBtf(ClientIpBtf.Build(), out OwnedFd? btf));
        using (btf)
        {
            Assert.Equal(Errno.None, BpfSyscall.TryCreateSocketStorageMap("ax_test", btf!, ClientIpBtf.U32TypeId, DialledValue.Size, ClientIpBtf.FourU32TypeId, out OwnedFd? map));
            using (map)
            {
                BpfInsn[] instructions = DialledSourceProgram.Build(map!.Fd);
                Ax.Tests.Guard.BpfProgramShape.AssertJumpsLandInsideAndItEndsInExit(instructions);
                Errno error = BpfSyscall.TryLoadSockAddrProgram("ax_test", instructions, BPF_CGROUP_UDP4_RECVMSG, out OwnedFd? program, out string log);
                using (program)
                {
                    Assert.True(error == Errno.None, $"{error}\n{log}");
                }
            }
        }
    }

    [Fact]
    public void ClientIpOptionProgram_PassesTheKernelVerifier()
    {
        using OwnedFd map = CreateMap();

        BpfInsn[] instructions = ClientIpOptionProgram.Build(map.Fd, map.Fd, map.Fd);
        Errno error = BpfSyscall.TryLoadSockOpsProgram("ax_test", instructions, out OwnedFd? program, out string log);
        using (program)
        {
            Assert.True(error == Errno.None, $"{error}\n{log}");
        }
    }

    [Fact]
    public void ClientIpOption_IsKind254_WithAxsExperimentId_AndTheAddressInNetworkOrder()
    {
        byte[] option = new byte[ClientIpOption.Length];
        ClientIpOption.Encode(0x01020304, option);

        Assert.Equal(new byte[] { 254, 8, 0xa7, 0xc5, 1, 2, 3, 4 }, option);
        Assert.Equal(BinaryPrimitives.ReadUInt32LittleEndian(option), ClientIpOption.HeaderWord(ClientIpOption.Length));
    }

    [Fact]
    public void ClientIpMap_TakesAValuePerSocket_AndRefusesWhatIsNoSocket()
    {
        using OwnedFd map = CreateMap();
        using var socket = new OwnedFd(global::Interop.Libc.Socket(global::Interop.Libc.AF_INET, global::Interop.Libc.SOCK_STREAM | global::Interop.Libc.SOCK_CLOEXEC, 0));
        using var file = new OwnedFd(global::Interop.Libc.Open("/proc/self/stat", global::Interop.Libc.O_RDONLY | global::Interop.Libc.O_CLOEXEC, 0));
        byte[] value = [2, 2, 2, 2];

        Assert.Equal(Errno.None, BpfSyscall.TryUpdate(map, Key(socket), value));
        Assert.NotEqual(Errno.None, BpfSyscall.TryUpdate(map, Key(file), value));
    }

    [Fact]
    public void DialledMap_ReadsBackWhatASocketDialled()
    {
        Assert.Equal(Errno.None, BpfSyscall.TryLoadBtf(ClientIpBtf.Build(), out OwnedFd? btf));
        using (btf)
        {
            Assert.Equal(Errno.None, BpfSyscall.TryCreateSocketStorageMap("ax_test", btf!, ClientIpBtf.U32TypeId, DialledValue.Size, ClientIpBtf.FourU32TypeId, out OwnedFd? map));
            using (map)
            using (var socket = new OwnedFd(global::Interop.Libc.Socket(global::Interop.Libc.AF_INET, global::Interop.Libc.SOCK_DGRAM | global::Interop.Libc.SOCK_CLOEXEC, 0)))
            {
                var written = new DialledValue(new Ax.Addressing.Ipv4Endpoint(0xc6120001, 53), new Ax.Addressing.Ipv4Endpoint(NodeIp, 40001));
                byte[] value = new byte[DialledValue.Size];
                written.Encode(value);
                Assert.Equal(Errno.None, BpfSyscall.TryUpdate(map!, Key(socket), value));

                byte[] read = new byte[DialledValue.Size];
                Assert.Equal(Errno.None, BpfSyscall.TryLookup(map!, Key(socket), read));
                Assert.Equal(written, DialledValue.Decode(read));
            }
        }
    }

    private static byte[] Key(OwnedFd fd)
    {
        byte[] key = new byte[sizeof(int)];
        BinaryPrimitives.WriteInt32LittleEndian(key, fd.Fd);
        return key;
    }

    private static OwnedFd CreateMap()
    {
        Assert.Equal(Errno.None, BpfSyscall.TryLoadBtf(ClientIpBtf.Build(), out OwnedFd? btf));
        using (btf)
        {
            Assert.Equal(Errno.None, BpfSyscall.TryCreateSocketStorageMap("ax_test", btf!, ClientIpBtf.U32TypeId, sizeof(uint), ClientIpBtf.U32TypeId, out OwnedFd? map));
            return map!;
        }
    }
}
