using Ax.Guard;
using static Ax.Guard.BpfRegister;
using static Interop.Bpf;
using Condition = Ax.Guard.BpfProgramBuilder.Condition;

namespace Ax.PeerAddresses;

/// <summary>
/// The cgroup sock_addr programs that show an ax client's own IP (--ip, or its --name address) to the
/// servers it reaches, in every place the kernel hands out a peer address: getpeername and accept
/// (do_accept asks the protocol's getname with peer=2, and inet_getname runs the GETPEERNAME hook for
/// both, net/ipv4/af_inet.c), and the source address of recvfrom/recvmsg (the RECVMSG hooks in
/// udp_recvmsg). They run in the context of whoever asks, on sockets of the cgroup they are attached
/// to: a socket's cgroup is that of the process that made it, and the daemon makes every app socket,
/// an accepted one inheriting its listener's (sk_clone_lock copies sk_cgrp_data).
/// <para>
/// How the client is found, with no race: the daemon puts the client's IP in the client socket's own
/// storage (a BPF_MAP_TYPE_SK_STORAGE value, keyed by the socket itself) before it connects or sends.
/// A server's program takes the peer address it is about to show (the node IP and the client's port),
/// looks up the socket that owns that address in the same network namespace (bpf_sk_lookup_tcp/udp,
/// with the tuple of a packet from this socket to the peer) and, if that socket has ax's storage,
/// shows the IP stored there. The client socket is in the hash tables from the moment its port is
/// chosen, before its SYN leaves, so a server that accepts inside the client's connect() still finds
/// it; the storage lives and dies with the socket, so a reused port never shows a stale IP. Only the
/// node's own address is looked at, and a socket without ax's storage (any other process's, a client
/// without an IP of its own) leaves the address as it is.
/// </para>
/// <para>
/// A client on another node is in no hash table here. Its SYN carried its IP in a TCP option instead,
/// which the sock_ops program (<see cref="ClientIpOptionProgram"/>) wrote into the accepted socket's
/// own entry of the peer-IP map: the getpeername programs look there first, and a non-zero entry is the
/// answer, whatever the address.
/// </para>
/// <para>
/// A UDP server answers the address it was shown, so a third program (UDP4_SENDMSG) turns a datagram
/// from an app socket to such a client IP back into one to the node IP, when the socket that holds the
/// node port is the client with that IP (exactly: a closed client's port shows nothing, and a port
/// since taken by another socket is not it). It is attached before the UDP send guard, which then
/// judges the node address.
/// </para>
/// </summary>
internal static class PeerAddressProgram
{
    /// <summary>Which hook a program is built for.</summary>
    internal enum Hook
    {
        /// <summary>BPF_CGROUP_INET4_GETPEERNAME: getpeername and accept on AF_INET sockets, TCP or connected UDP.</summary>
        GetPeerName4,

        /// <summary>BPF_CGROUP_INET6_GETPEERNAME: the same on AF_INET6 sockets, for an IPv4-mapped peer (::ffff:a.b.c.d).</summary>
        GetPeerName6,

        /// <summary>BPF_CGROUP_UDP4_RECVMSG: the source address recvfrom/recvmsg return on AF_INET datagram sockets.</summary>
        ReceiveFrom4,

        /// <summary>BPF_CGROUP_UDP6_RECVMSG: the same on AF_INET6 datagram sockets, for an IPv4-mapped source.</summary>
        ReceiveFrom6,

        /// <summary>BPF_CGROUP_UDP4_SENDMSG: a datagram to a client's shown address goes to its node address.</summary>
        ReplyTo4,

        /// <summary>BPF_CGROUP_UDP6_SENDMSG: the same from AF_INET6 datagram sockets, to an IPv4-mapped address.</summary>
        ReplyTo6,
    }

    // struct bpf_sock_addr, <linux/bpf.h>: addresses and ports in network order, the port in the low
    // 16 bits of its word; user_ip6 is four words; sk is filled for every sock_addr hook.
    internal const short OffsetUserIp4 = 4;
    internal const short OffsetUserIp6 = 8;
    internal const short OffsetUserPort = 24;
    internal const short OffsetMsgSrcIp4 = 40;
    internal const short OffsetSk = 64;

    // struct bpf_sock, <linux/bpf.h>: src_port is in host order, unlike every other port here.
    internal const short OffsetSkProtocol = 12;
    internal const short OffsetSkSrcIp4 = 24;
    internal const short OffsetSkSrcIp6 = 28;
    internal const short OffsetSkSrcPort = 44;

    /// <summary>The third word of an IPv4-mapped IPv6 address (00 00 ff ff) as a load reads it on this little-endian machine.</summary>
    internal const uint MappedPrefixWord = 0xffff0000;

    /// <summary>The IP_PKTINFO source address (0.0.0.1, host order) with which the daemon asks for a reply to a client's IP.</summary>
    internal const uint ReplySentinel = 0x00000001;

    private const int IpProtoUdp = 17;
    private static readonly uint ReplySentinelWord = BpfProgramBuilder.NetworkOrderWord(ReplySentinel);

    // struct bpf_sock_tuple's ipv4 member, <linux/bpf.h>, in the program's stack frame: the tuple of a
    // packet arriving at the socket looked up (saddr:sport the sender, daddr:dport the socket's own).
    private const short TupleOffset = -16;
    private const short TupleSaddr = -16;
    private const short TupleDaddr = -12;
    private const short TupleSport = -8;
    private const short TupleDport = -6;
    private const int TupleSize = 12;

    // Registers r6-r9, kept across calls (r0-r5 and the frame: Guard/BpfRegister.cs).
    private const int Ctx = 6;
    private const int Sock = 7;
    private const int Shown = 8;
    private const int Asked = 9;

    /// <summary>
    /// The program for <paramref name="hook"/>. <paramref name="nodeIp"/> is host order; <paramref name="mapFd"/>
    /// the socket storage map (a 4-byte value: the client's IP as the kernel stores an address);
    /// <paramref name="markerMapFd"/> the guard's map of app sockets (Guard/GuardMaps.cs);
    /// <paramref name="peerMapFd"/> the peer-IP map, where an accepted socket holds the IP its client's SYN
    /// carried from another node (<see cref="ClientIpOptionProgram"/>).
    /// </summary>
    internal static BpfInsn[] Build(Hook hook, uint nodeIp, int mapFd, int markerMapFd, int peerMapFd)
    {
        uint node = BpfProgramBuilder.NetworkOrderWord(nodeIp);
        var b = new BpfProgramBuilder();
        b.MoveRegister(Ctx, R1);
        if (hook is Hook.ReplyTo4 or Hook.ReplyTo6)
        {
            BuildReply(b, hook == Hook.ReplyTo6, node, mapFd, markerMapFd);
            return b.Build();
        }

        BuildReveal(b, hook, node, mapFd, peerMapFd);

        // A getpeername or recvmsg program must return 1 (the verifier holds them to exactly that).
        b.Label("out");
        b.MoveImmediate(R0, 1);
        b.Exit();
        return b.Build();
    }

    /// <summary>Shows the peer's stored IP in place of the node address, when the peer socket has one.</summary>
    private static void BuildReveal(BpfProgramBuilder b, Hook hook, uint node, int mapFd, int peerMapFd)
    {
        bool v6 = hook is Hook.GetPeerName6 or Hook.ReceiveFrom6;
        short addressOffset = v6 ? (short)(OffsetUserIp6 + 12) : OffsetUserIp4;
        if (v6)
        {
            JumpUnlessMapped(b);
        }

        if (hook is Hook.GetPeerName4 or Hook.GetPeerName6)
        {
            // A socket accepted from a client on another node holds its IP itself (non-zero only when
            // the client's SYN carried it); a datagram socket never does.
            b.LoadDoubleWord(Sock, Ctx, OffsetSk);
            b.SocketStorageGet(peerMapFd, Sock);
            b.JumpIf(Condition.Equal, R0, 0, "lookup");
            b.LoadWord(R2, R0, 0);
            b.JumpIf32(Condition.Equal, R2, 0, "lookup");
            b.StoreWord(Ctx, addressOffset, R2);
            b.Jump("out");
            b.Label("lookup");
        }

        b.LoadWord(Shown, Ctx, addressOffset);
        b.JumpIf32(Condition.NotEqual, Shown, node, "out");
        b.StoreWord(Frame, TupleDaddr, Shown);
        b.LoadWord(R3, Ctx, OffsetUserPort);
        b.StoreHalf(Frame, TupleDport, R3);

        // This socket's own address is where the peer's packets go; a datagram socket bound to the
        // wildcard has none, and then the peer (on this node) sent to the node address it has itself.
        b.LoadDoubleWord(Sock, Ctx, OffsetSk);
        b.LoadWord(R3, Sock, v6 ? (short)(OffsetSkSrcIp6 + 12) : OffsetSkSrcIp4);
        b.JumpIf(Condition.NotEqual, R3, 0, "source");
        b.MoveRegister(R3, Shown);
        b.Label("source");
        b.StoreWord(Frame, TupleSaddr, R3);
        b.LoadWord(R3, Sock, OffsetSkSrcPort);
        b.ToBigEndian16(R3);
        b.StoreHalf(Frame, TupleSport, R3);

        SetLookupArguments(b);
        if (hook is Hook.GetPeerName4 or Hook.GetPeerName6)
        {
            // getpeername on a connected datagram socket runs the same hook as on a stream one.
            b.LoadWord(R0, Sock, OffsetSkProtocol);
            b.JumpIf32(Condition.Equal, R0, IpProtoUdp, "udp");
            b.Call(BPF_FUNC_sk_lookup_tcp);
            b.Jump("found");
            b.Label("udp");
        }

        b.Call(BPF_FUNC_sk_lookup_udp);
        b.Label("found");
        StoredAddress(b, mapFd);
        b.StoreWord(Ctx, addressOffset, R2);
        b.Label("release");
        b.MoveRegister(R1, Sock);
        b.Call(BPF_FUNC_sk_release);
    }

    /// <summary>
    /// A datagram from an app socket to a client's IP on its node port goes to the node address. The
    /// daemon, routing an app's sendto to an app's IP where no service is, asks for exactly this by
    /// sending with IP_PKTINFO's source address set to <see cref="ReplySentinel"/>: then a datagram that
    /// is not such a reply is refused (EPERM) rather than let go, and the sentinel is cleared from one
    /// that is. A sentinel left in place fails the send anyway (ip_route_output_key_hash_rcu refuses a
    /// 0.0.0.0/8 source with EINVAL), so without this program nothing leaves either.
    /// </summary>
    private static void BuildReply(BpfProgramBuilder b, bool v6, uint node, int mapFd, int markerMapFd)
    {
        // Only the IPv4 hook reads msg_src_ip4; the daemon's routed sendto comes from an AF_INET socket.
        short addressOffset = v6 ? (short)(OffsetUserIp6 + 12) : OffsetUserIp4;
        if (!v6)
        {
            b.LoadWord(Asked, Ctx, OffsetMsgSrcIp4);
        }

        // Only this daemon's app sockets (whether the app or the daemon routing its sendto sends); other
        // processes' datagrams are none of ax's business, and another daemon's sockets (several nodes'
        // daemons on one machine share a cgroup) are that daemon's own program's, sentinel and all.
        b.LoadDoubleWord(Sock, Ctx, OffsetSk);
        b.JumpIf(Condition.Equal, Sock, 0, "allow");
        b.SocketStorageGet(markerMapFd, Sock);
        b.JumpIf(Condition.Equal, R0, 0, "allow");
        if (v6)
        {
            JumpUnlessMapped(b);
        }

        b.LoadWord(Shown, Ctx, addressOffset);
        b.JumpIf32(Condition.Equal, Shown, node, "out");

        // The socket a datagram to node:port would reach, as seen from this socket on the node.
        b.StoreWordImmediate(Frame, TupleSaddr, unchecked((int)node));
        b.StoreWordImmediate(Frame, TupleDaddr, unchecked((int)node));
        b.LoadWord(R3, Sock, OffsetSkSrcPort);
        b.ToBigEndian16(R3);
        b.StoreHalf(Frame, TupleSport, R3);
        b.LoadWord(R3, Ctx, OffsetUserPort);
        b.StoreHalf(Frame, TupleDport, R3);
        SetLookupArguments(b);
        b.Call(BPF_FUNC_sk_lookup_udp);
        StoredAddress(b, mapFd);
        b.JumpIfRegister(Condition.NotEqual, R2, Shown, "release");

        // A store into the context must come from a register (the verifier refuses BPF_ST there).
        b.MoveImmediate(R2, unchecked((int)node));
        b.StoreWord(Ctx, addressOffset, R2);
        if (!v6)
        {
            b.JumpIf32(Condition.NotEqual, Asked, ReplySentinelWord, "release");
            b.MoveImmediate(Asked, 0);
            b.StoreWord(Ctx, OffsetMsgSrcIp4, Asked);
        }

        b.Label("release");
        b.MoveRegister(R1, Sock);
        b.Call(BPF_FUNC_sk_release);
        b.Label("out");
        if (!v6)
        {
            b.JumpIf32(Condition.Equal, Asked, ReplySentinelWord, "refuse");
        }

        b.Label("allow");
        b.MoveImmediate(R0, 1);
        b.Exit();
        if (!v6)
        {
            b.Label("refuse");
            b.MoveImmediate(R0, 0);
            b.Exit();
        }
    }

    /// <summary>Only an IPv4-mapped address (::ffff:a.b.c.d) can be an ax client's node socket: anything else goes to "out".</summary>
    private static void JumpUnlessMapped(BpfProgramBuilder b)
    {
        b.LoadWord(R2, Ctx, OffsetUserIp6);
        b.JumpIf(Condition.NotEqual, R2, 0, "out");
        b.LoadWord(R2, Ctx, OffsetUserIp6 + 4);
        b.JumpIf(Condition.NotEqual, R2, 0, "out");
        b.LoadWord(R2, Ctx, OffsetUserIp6 + 8);
        b.JumpIf32(Condition.NotEqual, R2, MappedPrefixWord, "out");
    }

    /// <summary>r1-r5 for bpf_sk_lookup_*(ctx, &amp;tuple, sizeof(tuple.ipv4), BPF_F_CURRENT_NETNS, 0).</summary>
    private static void SetLookupArguments(BpfProgramBuilder b)
    {
        b.MoveRegister(R1, Ctx);
        b.MoveRegister(R2, Frame);
        b.AddImmediate(R2, TupleOffset);
        b.MoveImmediate(R3, TupleSize);
        b.MoveImmediate(R4, unchecked((int)BPF_F_CURRENT_NETNS));
        b.MoveImmediate(R5, 0);
    }

    /// <summary>
    /// After a lookup: no socket goes to "out"; otherwise the socket (a reference the program must
    /// release) is kept in Sock, and r2 = its stored IP, or a jump to "release" when it has none.
    /// </summary>
    private static void StoredAddress(BpfProgramBuilder b, int mapFd)
    {
        b.JumpIf(Condition.Equal, R0, 0, "out");
        b.MoveRegister(Sock, R0);
        b.SocketStorageGet(mapFd, Sock);
        b.JumpIf(Condition.Equal, R0, 0, "release");
        b.LoadWord(R2, R0, 0);
    }
}
