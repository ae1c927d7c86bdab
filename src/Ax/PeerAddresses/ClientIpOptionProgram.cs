using Ax.Guard;
using static Ax.Guard.BpfRegister;
using static Interop.Bpf;
using Condition = Ax.Guard.BpfProgramBuilder.Condition;

namespace Ax.PeerAddresses;

/// <summary>
/// The sock_ops program that tells a server on another node which IP its ax client is to be shown,
/// in the client's SYN (<see cref="ClientIpOption"/>), with no round trip and no daemon-to-daemon
/// message. Attached to the daemon's cgroup like the sock_addr programs: sock_ops programs run for the
/// TCP sockets of that cgroup (the socket's, whoever calls: tcp_call_bpf, include/net/tcp.h), and every
/// app socket, and every socket a listener of an app accepts, is there.
/// <para>
/// Client side. The daemon notes the client's shown IP in its socket's storage (the client-IP map)
/// before it connects. On TCP_CONNECT_CB, called by tcp_connect just before the SYN is built
/// (net/ipv4/tcp_output.c), such a socket, if it is an app socket, asks for the header-option
/// callbacks (BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG, which tcp_syn_options tests). For each SYN
/// (retransmissions too) HDR_OPT_LEN_CB reserves the 8 bytes (bpf_reserve_hdr_opt; where the SYN has no
/// room left, as with TCP-MD5, the reservation fails and the SYN goes without it) and WRITE_HDR_OPT_CB
/// writes the option (bpf_store_hdr_opt). ACTIVE_ESTABLISHED_CB drops the flag again, so the data
/// packets pay nothing. Only a SYN (SYN without ACK, skb_tcp_flags) is written to.
/// </para>
/// <para>
/// Server side. A SYN's options are gone by the time the accepted socket exists, unless the listener
/// saves the SYN: bpf_load_hdr_opt(BPF_LOAD_HDR_OPT_TCP_SYN) on an established socket reads
/// tcp_sk(sk)->saved_syn and fails with ENOENT without it (bpf_sock_ops_get_syn, net/core/filter.c);
/// the listener's saved SYN moves to the child (tcp_move_syn, net/ipv4/tcp_ipv4.c). So on
/// TCP_LISTEN_CB (__inet_listen_sk, net/ipv4/af_inet.c) an app listener gets TCP_SAVE_SYN (bpf_setsockopt,
/// allowed on this op: is_locked_tcp_sock_ops, and sol_tcp_sockopt accepts it) and an entry, 0, in the
/// peer-IP map, which is made with BPF_F_CLONE so that every socket it accepts inherits the entry
/// (bpf_sk_storage_clone from sk_clone_lock, net/core/sock.c): that inherited entry is how
/// PASSIVE_ESTABLISHED_CB (tcp_init_transfer, net/ipv4/tcp_input.c) knows an app listener's socket, as
/// the guard's marker is not cloned. There the program reads the option from the SYN and, when it is
/// ax's (kind 254, ax's ExID, 8 bytes long), writes the IP into the accepted socket's entry, which the
/// getpeername program (<see cref="PeerAddressProgram"/>) reads first. A SYN without it (a plain
/// client, a node without the program, a syncookie, which saves no SYN) leaves the entry 0 and the
/// address as the kernel has it. No race with the server: the child is queued for accept still locked by
/// the softirq that makes it (sk_clone_lock) until that has run PASSIVE_ESTABLISHED_CB
/// (tcp_child_process), and inet_getname, which accept and getpeername use, takes the socket lock first
/// (net/ipv4/af_inet.c). The saved SYN (its IP and TCP headers, under 128 bytes) stays with the
/// accepted socket until it closes (tcp_saved_syn_free).
/// </para>
/// <para>
/// Trust boundary: a server's node believes any SYN to an app listener that carries the option. Labels
/// are checked on the client's node, whose daemon alone writes the option on app sockets; an app
/// cannot write TCP options itself (it has no raw sockets, and its sockets are the daemon's), but any
/// host that can send raw TCP SYNs to the node can claim any IP. TLS between nodes would not change
/// this: the option is in the TCP header, outside any TLS session.
/// </para>
/// </summary>
internal static class ClientIpOptionProgram
{
    // struct bpf_sock_ops, <linux/bpf.h>.
    internal const short OffsetOp = 0;
    internal const short OffsetCallbackFlags = 84;
    internal const short OffsetSk = 184;
    internal const short OffsetSkbTcpFlags = 212;

    // TCPHDR_SYN and TCPHDR_ACK, include/net/tcp.h.
    private const int TcpSyn = 0x02;
    private const int TcpAck = 0x10;

    // <linux/tcp.h> and <linux/in.h>.
    private const int SolTcp = 6;
    private const int TcpSaveSyn = 27;

    // The option, or the search key for it, at r10-8 (two words); TCP_SAVE_SYN's value at r10-12.
    private const short OptionOffset = -8;
    private const short OptionAddress = -4;
    private const short ValueOffset = -12;

    // Registers r6-r9, kept across calls (r0-r5 and the frame: Guard/BpfRegister.cs).
    private const int Ctx = 6;
    private const int Sock = 7;
    private const int Value = 8;

    /// <summary>
    /// The program. <paramref name="clientMapFd"/>: the client-IP socket storage (the IP a client socket
    /// shows, network order); <paramref name="peerMapFd"/>: the peer-IP socket storage (BPF_F_CLONE; the
    /// IP an accepted socket's client is shown at, 0 for none); <paramref name="markerMapFd"/>: the guard's
    /// map of app sockets.
    /// </summary>
    internal static BpfInsn[] Build(int clientMapFd, int peerMapFd, int markerMapFd)
    {
        var b = new BpfProgramBuilder();
        b.MoveRegister(Ctx, R1);

        // Every TCP socket of the cgroup comes here on several ops; all but six leave at once.
        b.LoadWord(R2, Ctx, OffsetOp);
        b.JumpIf32(Condition.Equal, R2, BPF_SOCK_OPS_HDR_OPT_LEN_CB, "length");
        b.JumpIf32(Condition.Equal, R2, BPF_SOCK_OPS_WRITE_HDR_OPT_CB, "write");
        b.JumpIf32(Condition.Equal, R2, BPF_SOCK_OPS_TCP_CONNECT_CB, "connect");
        b.JumpIf32(Condition.Equal, R2, BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB, "active");
        b.JumpIf32(Condition.Equal, R2, BPF_SOCK_OPS_TCP_LISTEN_CB, "listen");
        b.JumpIf32(Condition.Equal, R2, BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB, "passive");
        b.Jump("out");

        // A client app socket with a shown IP asks for the option callbacks before its SYN is built.
        b.Label("connect");
        StorageOrOut(b, clientMapFd, create: false);
        StorageOrOut(b, markerMapFd, create: false);
        b.LoadWord(R2, Ctx, OffsetCallbackFlags);
        b.OrImmediate(R2, BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG);
        b.MoveRegister(R1, Ctx);
        b.Call(BPF_FUNC_sock_ops_cb_flags_set);
        b.Jump("out");

        // Room for the option in a SYN. The callback also runs with no packet (tcp_current_mss asks
        // what established packets need, skb_tcp_flags then 0), and for other packets while the flag
        // is on: they get nothing.
        b.Label("length");
        JumpUnlessSyn(b);
        StorageOrOut(b, clientMapFd, create: false);
        b.MoveRegister(R1, Ctx);
        b.MoveImmediate(R2, ClientIpOption.Length);
        b.MoveImmediate(R3, 0);
        b.Call(BPF_FUNC_reserve_hdr_opt);
        b.Jump("out");

        b.Label("write");
        JumpUnlessSyn(b);
        StorageOrOut(b, clientMapFd, create: false);
        b.LoadWord(Value, R0, 0);
        b.StoreWordImmediate(Frame, OptionOffset, unchecked((int)ClientIpOption.HeaderWord(ClientIpOption.Length)));
        b.StoreWord(Frame, OptionAddress, Value);
        b.MoveRegister(R1, Ctx);
        b.MoveRegister(R2, Frame);
        b.AddImmediate(R2, OptionOffset);
        b.MoveImmediate(R3, ClientIpOption.Length);
        b.MoveImmediate(R4, 0);
        b.Call(BPF_FUNC_store_hdr_opt);
        b.Jump("out");

        // The SYN-ACK came: no more SYNs, so no more callbacks for this socket's packets.
        b.Label("active");
        b.LoadWord(R2, Ctx, OffsetCallbackFlags);
        b.AndImmediate(R2, BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG);
        b.JumpIf(Condition.Equal, R2, 0, "out");
        StorageOrOut(b, clientMapFd, create: false);
        b.LoadWord(R2, Ctx, OffsetCallbackFlags);
        b.AndImmediate(R2, ~BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG);
        b.MoveRegister(R1, Ctx);
        b.Call(BPF_FUNC_sock_ops_cb_flags_set);
        b.Jump("out");

        // An app listener saves its SYNs and gets the peer entry its accepted sockets inherit.
        b.Label("listen");
        StorageOrOut(b, markerMapFd, create: false);
        StorageOrOut(b, peerMapFd, create: true);
        b.StoreWordImmediate(Frame, ValueOffset, 1);
        b.MoveRegister(R1, Ctx);
        b.MoveImmediate(R2, SolTcp);
        b.MoveImmediate(R3, TcpSaveSyn);
        b.MoveRegister(R4, Frame);
        b.AddImmediate(R4, ValueOffset);
        b.MoveImmediate(R5, sizeof(int));
        b.Call(BPF_FUNC_setsockopt);
        b.Jump("out");

        // A socket an app listener accepted: the IP its client's SYN carries, if ax's option is there.
        b.Label("passive");
        StorageOrOut(b, peerMapFd, create: false);
        b.MoveRegister(Value, R0);
        b.StoreWordImmediate(Frame, OptionOffset, unchecked((int)ClientIpOption.HeaderWord(4)));
        b.StoreWordImmediate(Frame, OptionAddress, 0);
        b.MoveRegister(R1, Ctx);
        b.MoveRegister(R2, Frame);
        b.AddImmediate(R2, OptionOffset);
        b.MoveImmediate(R3, ClientIpOption.Length);
        b.MoveImmediate(R4, BPF_LOAD_HDR_OPT_TCP_SYN);
        b.Call(BPF_FUNC_load_hdr_opt);

        // It returns the option's length, its bytes copied over the key; another length is not ax's.
        b.JumpIf(Condition.NotEqual, R0, ClientIpOption.Length, "out");
        b.LoadWord(R2, Frame, OptionAddress);
        b.StoreWord(Value, 0, R2);

        // A sock_ops program returns 1; its reply, left 0, changes nothing (tcp_call_bpf).
        b.Label("out");
        b.MoveImmediate(R0, 1);
        b.Exit();
        return b.Build();
    }

    /// <summary>
    /// r0 = bpf_sk_storage_get(map, ctx->sk, NULL, flags), leaving the socket in Sock; "out" when the
    /// op has no full socket (ctx->sk reads NULL then) or the socket has no entry in the map.
    /// </summary>
    private static void StorageOrOut(BpfProgramBuilder b, int mapFd, bool create)
    {
        b.LoadDoubleWord(Sock, Ctx, OffsetSk);
        b.JumpIf(Condition.Equal, Sock, 0, "out");
        b.SocketStorageGet(mapFd, Sock, create ? BPF_SK_STORAGE_GET_F_CREATE : 0);
        b.JumpIf(Condition.Equal, R0, 0, "out");
    }

    /// <summary>Goes to "out" unless the packet at hand is a SYN (SYN set, ACK not).</summary>
    private static void JumpUnlessSyn(BpfProgramBuilder b)
    {
        b.LoadWord(R2, Ctx, OffsetSkbTcpFlags);
        b.AndImmediate(R2, TcpSyn | TcpAck);
        b.JumpIf(Condition.NotEqual, R2, TcpSyn, "out");
    }
}
