using Ax.Guard;
using static Ax.Guard.BpfRegister;
using static Interop.Bpf;
using Condition = Ax.Guard.BpfProgramBuilder.Condition;

namespace Ax.PeerAddresses;

/// <summary>
/// The cgroup UDP4_RECVMSG program that shows a datagram from where an app socket's datagrams were sent
/// instead as coming from what the app asked for: a socket whose dialled-address storage
/// (<see cref="DialledValue"/>, written by the daemon as it connects or sends for the app) names the
/// backend the datagram came from shows it from the dialled address. That is a vservice's vIP:vport, or
/// the nameserver an app asked whose query ax's DNS server answered; resolvers (glibc's res_send, musl's
/// res_msend) drop answers from any source but the nameserver they asked. Attached before the programs
/// that reveal clients' IPs, which look only at the node address.
/// </summary>
internal static class DialledSourceProgram
{
    // struct bpf_sock_addr, <linux/bpf.h> (PeerAddressProgram has the layout).
    private const short OffsetUserIp4 = PeerAddressProgram.OffsetUserIp4;
    private const short OffsetUserPort = PeerAddressProgram.OffsetUserPort;
    private const short OffsetSk = PeerAddressProgram.OffsetSk;

    // DialledValue's words, host order: dialled IP, dialled port, backend IP, backend port.
    private const short DialledIp = 0;
    private const short DialledPort = 4;
    private const short BackendIp = 8;
    private const short BackendPort = 12;

    private const int Ctx = 6;
    private const int Value = 7;

    /// <summary>The program; <paramref name="dialledMapFd"/> is the dialled-address socket storage map.</summary>
    internal static BpfInsn[] Build(int dialledMapFd)
    {
        var b = new BpfProgramBuilder();
        b.MoveRegister(Ctx, R1);
        b.LoadDoubleWord(R2, Ctx, OffsetSk);
        b.JumpIf(Condition.Equal, R2, 0, "out");
        b.SocketStorageGet(dialledMapFd, R2);
        b.JumpIf(Condition.Equal, R0, 0, "out");
        b.MoveRegister(Value, R0);

        // Only a datagram from exactly the backend: anything else the socket receives is shown as it is.
        b.LoadWord(R2, Value, BackendIp);
        b.ToBigEndian32(R2);
        b.LoadWord(R3, Ctx, OffsetUserIp4);
        b.JumpIfRegister32(Condition.NotEqual, R2, R3, "out");
        b.LoadWord(R2, Value, BackendPort);
        b.ToBigEndian16(R2);
        b.LoadWord(R3, Ctx, OffsetUserPort);
        b.JumpIfRegister32(Condition.NotEqual, R2, R3, "out");

        b.LoadWord(R2, Value, DialledIp);
        b.ToBigEndian32(R2);
        b.StoreWord(Ctx, OffsetUserIp4, R2);
        b.LoadWord(R2, Value, DialledPort);
        b.ToBigEndian16(R2);
        b.StoreWord(Ctx, OffsetUserPort, R2);

        // A recvmsg program must return 1 (the verifier holds it to exactly that).
        b.Label("out");
        b.MoveImmediate(R0, 1);
        b.Exit();
        return b.Build();
    }
}
