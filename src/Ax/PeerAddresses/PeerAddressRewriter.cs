using System.Buffers.Binary;
using Ax.Addressing;
using Ax.Apps;
using Ax.Guard;
using Ax.Interception;
using Ax.Policy;
using Microsoft.Extensions.Logging;
using static Interop.Bpf;

namespace Ax.PeerAddresses;

/// <summary>
/// Makes accept(), getpeername() and recvfrom() on an ax server show an ax client's own IP, without a
/// trap on the data path: owns the socket storage map in which the daemon notes each client socket's
/// IP, and the programs (<see cref="PeerAddressProgram"/>) that read it, attached to this daemon's
/// cgroup, where every app socket belongs; and, for clients on other nodes, the sock_ops program that
/// carries that IP in the client's SYN into the peer-IP map of the socket its server accepts
/// (<see cref="ClientIpOptionProgram"/>; where it cannot load, servers here see those clients at their
/// node address, and nothing else changes). Replaces <see cref="ClientAddressMap"/> where it runs: the
/// kernel frees a socket's entry with the socket, so the record needs no bound, no eviction and no
/// wait for a client whose connect is still in flight.
/// <para>
/// Like the UDP send guard, the attachment is this process's: a daemon that exits takes the programs
/// with it (servers then see node addresses until the next daemon runs, and the next one sees node
/// addresses for connections made before it started). Where the kernel lacks what it needs (cgroup
/// v2, BTF, socket storage, Linux 5.x lookups from sock_addr programs), the daemon logs one warning
/// and falls back to <see cref="ClientAddressMap"/>, which answers getpeername only.
/// </para>
/// </summary>
internal sealed partial class PeerAddressRewriter : IDisposable
{
    private static readonly (PeerAddressProgram.Hook Hook, uint AttachType, string Name)[] Programs =
    [
        (PeerAddressProgram.Hook.GetPeerName4, BPF_CGROUP_INET4_GETPEERNAME, "ax_peer4"),
        (PeerAddressProgram.Hook.GetPeerName6, BPF_CGROUP_INET6_GETPEERNAME, "ax_peer6"),
        (PeerAddressProgram.Hook.ReceiveFrom4, BPF_CGROUP_UDP4_RECVMSG, "ax_recvfrom4"),
        (PeerAddressProgram.Hook.ReceiveFrom6, BPF_CGROUP_UDP6_RECVMSG, "ax_recvfrom6"),
        (PeerAddressProgram.Hook.ReplyTo4, BPF_CGROUP_UDP4_SENDMSG, "ax_reply4"),
        (PeerAddressProgram.Hook.ReplyTo6, BPF_CGROUP_UDP6_SENDMSG, "ax_reply6"),
    ];

    private readonly OwnedFd _btf;
    private readonly OwnedFd _map;
    private readonly OwnedFd _dialled;
    private readonly OwnedFd _peers;
    private readonly List<OwnedFd> _attachments;
    private readonly AppRegistry _apps;
    private readonly uint _nodeIp;
    private readonly ILogger _logger;
    private int _failures;

    private PeerAddressRewriter(OwnedFd btf, OwnedFd map, OwnedFd dialled, OwnedFd peers, List<OwnedFd> attachments, AppRegistry apps, uint nodeIp, ILogger logger)
    {
        _btf = btf;
        _map = map;
        _dialled = dialled;
        _peers = peers;
        _attachments = attachments;
        _apps = apps;
        _nodeIp = nodeIp;
        _logger = logger;
    }

    /// <summary>
    /// Loads and attaches the programs. Call before the UDP send guard is attached: programs on one
    /// cgroup run in the order they were attached, and the reply program must turn a client's IP into
    /// the node address before the guard, which refuses every port of an app's IP, sees it. The reply
    /// program knows app sockets by the guard's marker (<see cref="GuardMaps.Marker"/>), so without the
    /// guard these programs do not run either.
    /// </summary>
    internal static PeerAddressRewriter? Start(uint nodeIp, string runDir, AppRegistry apps, GuardMaps? guardMaps, ILogger logger)
    {
        var attachments = new List<OwnedFd>();
        OwnedFd? btf = null;
        OwnedFd? map = null;
        OwnedFd? dialled = null;
        OwnedFd? peers = null;
        string? problem = null;
        try
        {
            if (guardMaps is null)
            {
                problem = "the guard that marks app sockets is not running";
                return null;
            }

            Errno error = BpfSyscall.TryLoadBtf(ClientIpBtf.Build(), out btf);
            if (error != Errno.None)
            {
                problem = $"the kernel refused the BTF of the client address map ({error})";
                return null;
            }

            error = BpfSyscall.TryCreateSocketStorageMap("ax_client_ip", btf!, ClientIpBtf.U32TypeId, sizeof(uint), ClientIpBtf.U32TypeId, out map);
            if (error != Errno.None)
            {
                problem = $"cannot create a socket storage map ({error}); it needs Linux 5.2 with CONFIG_BPF_SYSCALL";
                return null;
            }

            error = BpfSyscall.TryCreateSocketStorageMap("ax_dialled", btf!, ClientIpBtf.U32TypeId, DialledValue.Size, ClientIpBtf.FourU32TypeId, out dialled);
            if (error != Errno.None)
            {
                problem = $"cannot create a socket storage map ({error})";
                return null;
            }

            // The IP a client on another node is shown at, on the sockets app listeners accept: the
            // listener's entry is copied to each (BPF_F_CLONE), which is how the sock_ops program knows them.
            error = BpfSyscall.TryCreateSocketStorageMap("ax_peer_ip", btf!, ClientIpBtf.U32TypeId, sizeof(uint), ClientIpBtf.U32TypeId, out peers, BPF_F_CLONE);
            if (error != Errno.None)
            {
                problem = $"cannot create a cloned socket storage map ({error}); it needs Linux 5.3";
                return null;
            }

            if (!CgroupDirectory.TryOpen(Path.Combine(runDir, "cgroup2"), out OwnedFd? cgroup, out problem))
            {
                problem = $"cannot find this daemon's cgroup v2 directory: {problem}";
                return null;
            }

            using (cgroup)
            {
                // First on its hook: it shows what was dialled before the reveal programs look at the node address.
                if (!TryAttach("ax_dialled_from4", DialledSourceProgram.Build(dialled!.Fd), BPF_CGROUP_UDP4_RECVMSG, cgroup!, attachments, out problem))
                {
                    return null;
                }

                foreach (var (hook, attachType, name) in Programs)
                {
                    if (!TryAttach(name, PeerAddressProgram.Build(hook, nodeIp, map!.Fd, guardMaps.Marker.Fd, peers!.Fd), attachType, cgroup!, attachments, out problem))
                    {
                        return null;
                    }
                }

                // Across nodes: without it servers here see other nodes' clients at their node address.
                string? optionProblem = TryAttachOption(cgroup, map!, peers!, guardMaps.Marker, attachments);
                if (optionProblem is not null)
                {
                    Log.OptionUnavailable(logger, optionProblem);
                }
            }

            var rewriter = new PeerAddressRewriter(btf!, map!, dialled!, peers!, attachments, apps, nodeIp, logger);
            btf = null;
            map = null;
            dialled = null;
            peers = null;
            attachments = [];
            Log.Started(logger);
            return rewriter;
        }
        finally
        {
            if (problem is not null)
            {
                Log.Unavailable(logger, problem);
            }

            attachments.ForEach(static a => a.Dispose());
            peers?.Dispose();
            dialled?.Dispose();
            map?.Dispose();
            btf?.Dispose();
        }
    }

    /// <summary>
    /// Loads and attaches the sock_ops program that carries a client's IP in its SYN to a server on
    /// another node (<see cref="ClientIpOptionProgram"/>); adds its link to <paramref name="attachments"/>.
    /// Null when attached, else what went wrong. Also used by tests, on their own cgroup.
    /// </summary>
    internal static string? TryAttachOption(OwnedFd cgroup, OwnedFd clients, OwnedFd peers, OwnedFd marker, List<OwnedFd> attachments)
    {
        BpfInsn[] instructions = ClientIpOptionProgram.Build(clients.Fd, peers.Fd, marker.Fd);
        Errno error = BpfSyscall.TryLoadSockOpsProgram("ax_client_opt", instructions, out OwnedFd? program, out string verifierLog);
        if (error != Errno.None)
        {
            return $"the kernel refused the ax_client_opt program ({error}); it needs Linux 5.10; verifier: {(verifierLog.Length == 0 ? "(no message)" : verifierLog)}";
        }

        using (program)
        {
            error = BpfSyscall.TryLinkCgroup(program!, cgroup, BPF_CGROUP_SOCK_OPS, out OwnedFd? link);
            if (error != Errno.None)
            {
                return $"cannot attach the ax_client_opt program to this daemon's cgroup ({error})";
            }

            attachments.Add(link!);
            return null;
        }
    }

    /// <summary>Loads and links one sock_addr program; only the link is kept (in <paramref name="attachments"/>).</summary>
    private static bool TryAttach(string name, BpfInsn[] instructions, uint attachType, OwnedFd cgroup, List<OwnedFd> attachments, out string? problem)
    {
        if (!BpfSyscall.TryAttachSockAddr(name, instructions, attachType, cgroup, out OwnedFd? program, out OwnedFd? link, out problem))
        {
            return false;
        }

        program!.Dispose();
        attachments.Add(link!);
        return true;
    }

    /// <summary>
    /// Before an app's socket connects to or sends to an ax server: notes on the socket the IP the
    /// server's accept, getpeername and recvfrom are to show (the app's own, or loopback for a connect
    /// to its own listener at 127.0.0.1). The caller decides; an app without an IP of its own is shown at
    /// the node address, as before, and a destination outside ax (egress) is not told either.
    /// </summary>
    internal void RecordClient(OwnedFd socket, uint shownIp)
    {
        Span<byte> key = stackalloc byte[sizeof(int)];
        Span<byte> value = stackalloc byte[sizeof(uint)];
        BinaryPrimitives.WriteInt32LittleEndian(key, socket.Fd);
        BinaryPrimitives.WriteUInt32BigEndian(value, shownIp);
        Errno error = BpfSyscall.TryUpdate(_map, key, value);
        if (error != Errno.None && Interlocked.Increment(ref _failures) == 1)
        {
            Log.RecordFailed(_logger, error.ToString());
        }
    }

    /// <summary>The IP servers are shown for <paramref name="socket"/>, a client socket of an app, if the daemon recorded one.</summary>
    internal bool TryGetShownIp(OwnedFd socket, out uint shownIp)
    {
        Span<byte> key = stackalloc byte[sizeof(int)];
        Span<byte> value = stackalloc byte[sizeof(uint)];
        BinaryPrimitives.WriteInt32LittleEndian(key, socket.Fd);
        shownIp = 0;
        if (BpfSyscall.TryLookup(_map, key, value) != Errno.None)
        {
            return false;
        }

        shownIp = BinaryPrimitives.ReadUInt32BigEndian(value);
        return true;
    }

    /// <summary>
    /// Notes on a client socket connected through a vservice the vIP:vport it dialled and the backend it
    /// reached, so that its getpeername shows what it dialled. Kept per socket, like the client IP: it
    /// never outlives the socket and needs no bound (the table it replaces, VServiceClientMap, started
    /// over at 65,536 entries, forgetting every live connection's answer).
    /// </summary>
    internal void RecordDialled(OwnedFd socket, Ipv4Endpoint dialled, Ipv4Endpoint backend)
    {
        Span<byte> key = stackalloc byte[sizeof(int)];
        Span<byte> value = stackalloc byte[DialledValue.Size];
        BinaryPrimitives.WriteInt32LittleEndian(key, socket.Fd);
        new DialledValue(dialled, backend).Encode(value);
        Errno error = BpfSyscall.TryUpdate(_dialled, key, value);
        if (error != Errno.None && Interlocked.Increment(ref _failures) == 1)
        {
            Log.RecordFailed(_logger, error.ToString());
        }
    }

    /// <summary>What <paramref name="socket"/> dialled, if it connected to <paramref name="realPeer"/> through a vservice.</summary>
    internal bool TryGetDialled(OwnedFd socket, Ipv4Endpoint realPeer, out Ipv4Endpoint dialled)
    {
        Span<byte> key = stackalloc byte[sizeof(int)];
        Span<byte> value = stackalloc byte[DialledValue.Size];
        BinaryPrimitives.WriteInt32LittleEndian(key, socket.Fd);
        dialled = default;
        if (BpfSyscall.TryLookup(_dialled, key, value) != Errno.None)
        {
            return false;
        }

        // A datagram socket may connect again elsewhere: the note holds only while its backend is the peer.
        DialledValue entry = DialledValue.Decode(value);
        dialled = entry.Dialled;
        return entry.Backend == realPeer;
    }

    /// <summary>
    /// Whether a datagram to <paramref name="destination"/>, which the router refused, may be a reply to
    /// a client at the IP recvfrom showed: an app's own IP, on a port where it serves nothing.
    /// </summary>
    internal bool MayBeReply(Ipv4Endpoint destination) => destination.Address != _nodeIp && _apps.IsAppIp(destination.Address);

    /// <summary>
    /// Sends a datagram from an app socket to a client's IP as a reply (see <see cref="MayBeReply"/>):
    /// the reply program sends it to the node address if the socket there is that client, and refuses
    /// it otherwise, which the app sees as the router's ECONNREFUSED. The IP_PKTINFO source address is
    /// how the program knows it was asked (PeerAddressProgram.ReplySentinel).
    /// </summary>
    internal static unsafe Errno TrySendReply(OwnedFd socket, ReadOnlySpan<byte> data, int flags, Ipv4Endpoint destination, out nint sent)
    {
        var address = destination.ToSockAddr();
        var control = new Interop.Libc.CmsgPktInfo
        {
            Length = (nuint)(sizeof(nuint) + (2 * sizeof(int)) + 12), // CMSG_LEN(sizeof(struct in_pktinfo))
            Level = Interop.Libc.IPPROTO_IP,
            Type = Interop.Libc.IP_PKTINFO,
            SpecificDestination = BpfProgramBuilder.NetworkOrderWord(PeerAddressProgram.ReplySentinel),
        };
        fixed (byte* buffer = data)
        {
            var iov = new Interop.Libc.IoVec { Base = buffer, Length = (nuint)data.Length };
            var message = new Interop.Libc.MsgHdr
            {
                Name = &address,
                NameLength = (uint)sizeof(Interop.Libc.SockAddrIn),
                Iov = &iov,
                IovLength = 1,
                Control = &control,
                ControlLength = (nuint)sizeof(Interop.Libc.CmsgPktInfo),
            };
            sent = Interop.Libc.SendMsg(socket.Fd, &message, flags);
        }

        if (sent >= 0)
        {
            return Errno.None;
        }

        Errno error = Interop.LastErrno();
        return error is Errno.EPERM or Errno.EINVAL ? Errno.ECONNREFUSED : error;
    }

    public void Dispose()
    {
        _attachments.ForEach(static a => a.Dispose());
        _peers.Dispose();
        _dialled.Dispose();
        _map.Dispose();
        _btf.Dispose();
    }
}
