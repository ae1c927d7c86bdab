using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Ax.Addressing;
using Ax.Guard;
using Ax.Interception;
using Ax.PeerAddresses;
using Ax.Tests.EndToEnd;
using static Interop.Bpf;

namespace Ax.Tests.PeerAddresses;

/// <summary>
/// Two nodes of a <see cref="TestCluster"/> (namespaces joined by a bridge) and the client-address
/// programs as the daemon attaches them: the sock_ops program that writes and reads the SYN option, and
/// the getpeername program, on the test process's own cgroup, where every socket these tests make
/// lives. They act only on sockets in this test's own maps (the marker standing for the guard's), so
/// the rest of the machine's sockets pass untouched. Node A's sockets play ax clients, node B's ax
/// servers; what B's accept() and getpeername() say is what a server app would see.
/// </summary>
public sealed class ClientIpOptionTests : IDisposable
{
    private const uint ShownIp = 0x01020304; // 1.2.3.4

    private readonly TestCluster _cluster = TestCluster.Create(2);
    private readonly OwnedFd _btf;
    private readonly OwnedFd _clients;
    private readonly OwnedFd _peers;
    private readonly OwnedFd _marker;
    private readonly List<OwnedFd> _links = [];

    public ClientIpOptionTests()
    {
        try
        {
            Assert.Equal(Errno.None, BpfSyscall.TryLoadBtf(ClientIpBtf.Build(), out OwnedFd? btf));
            _btf = btf!;
            _clients = StorageMap("ax_test_client", 0);
            _peers = StorageMap("ax_test_peer", BPF_F_CLONE);
            _marker = StorageMap("ax_test_marker", 0);
            Assert.True(CgroupDirectory.TryOpen(Path.Combine(Path.GetTempPath(), $"ax-cg-{Guid.NewGuid():N}"), out OwnedFd? cgroup, out string? problem), problem);
            using (cgroup)
            {
                Assert.Null(PeerAddressRewriter.TryAttachOption(cgroup, _clients, _peers, _marker, _links));
                foreach (var (hook, attachType) in new[] { (PeerAddressProgram.Hook.GetPeerName4, BPF_CGROUP_INET4_GETPEERNAME), (PeerAddressProgram.Hook.GetPeerName6, BPF_CGROUP_INET6_GETPEERNAME) })
                {
                    BpfInsn[] getPeerName = PeerAddressProgram.Build(hook, Address(NodeB), _clients.Fd, _marker.Fd, _peers.Fd);
                    Assert.Equal(Errno.None, BpfSyscall.TryLoadSockAddrProgram("ax_test_peer", getPeerName, attachType, out OwnedFd? program, out string log));
                    using (program)
                    {
                        Assert.True(BpfSyscall.TryLinkCgroup(program!, cgroup, attachType, out OwnedFd? link) == Errno.None, log);
                        _links.Add(link!);
                    }
                }
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private ClusterNode NodeA => _cluster[0];

    private ClusterNode NodeB => _cluster[1];

    [Fact]
    public void AnAppClientOnAnotherNode_IsShownAtItsIp_ByAcceptAndGetpeername()
    {
        using Socket listener = Listener(app: true);
        using Socket client = NodeA.CreateSocket();
        Mark(client);
        RecordClient(client, ShownIp);

        var (accepted, peer) = Connect(client, listener);
        using (accepted)
        {
            ushort clientPort = (ushort)((IPEndPoint)client.LocalEndPoint!).Port;
            Assert.Equal(new Ipv4Endpoint(ShownIp, clientPort), peer);
            Assert.Equal(new Ipv4Endpoint(ShownIp, clientPort), PeerName(accepted));
        }
    }

    [Fact]
    public void ADualStackAppListener_ShowsAnAppClientOnAnotherNode_AtItsIpv4MappedIp()
    {
        using Socket listener = InNamespace(NodeB, () => new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true });
        Mark(listener);
        listener.Bind(new IPEndPoint(IPAddress.IPv6Any, 0));
        listener.Listen(8);
        using Socket client = NodeA.CreateSocket();
        Mark(client);
        RecordClient(client, ShownIp);

        client.Connect(new IPEndPoint(NodeB.Address, ((IPEndPoint)listener.LocalEndPoint!).Port));
        using Socket accepted = listener.Accept();

        var expected = new IPEndPoint(IPAddress.Parse("1.2.3.4").MapToIPv6(), ((IPEndPoint)client.LocalEndPoint!).Port);
        Assert.Equal(expected, accepted.RemoteEndPoint);
        Assert.Equal(expected, PeerName6((int)accepted.Handle));
    }

    [Fact]
    public void AnAppClientWithoutAShownIp_IsShownAtItsNodeAddress()
    {
        using Socket listener = Listener(app: true);
        using Socket client = NodeA.CreateSocket();
        Mark(client);

        AssertServerSeesNodeA(client, listener);
    }

    [Fact]
    public void APlainClientsSyn_LeavesTheAddressAsItIs_EvenWithAStoredIp()
    {
        // Not an app socket (no marker): its SYN carries no option, whatever its storage says.
        using Socket listener = Listener(app: true);
        using Socket client = NodeA.CreateSocket();
        RecordClient(client, ShownIp);

        AssertServerSeesNodeA(client, listener);
    }

    [Fact]
    public void AListenerThatIsNoAppSocket_ShowsTheRealAddress_EvenToAnAppClient()
    {
        using Socket listener = Listener(app: false);
        using Socket client = NodeA.CreateSocket();
        Mark(client);
        RecordClient(client, ShownIp);

        AssertServerSeesNodeA(client, listener);
    }

    [Fact]
    public void AListenerThatIsNoAppSocket_ShowsTheRealAddress_EvenWhenItSavesSynsItself()
    {
        // Another program of the node may use TCP_SAVE_SYN: the option is in its SYNs then, and still ignored.
        using Socket listener = NodeB.CreateSocket();
        listener.SetRawSocketOption(6 /* IPPROTO_TCP */, 27 /* TCP_SAVE_SYN */, [1, 0, 0, 0]);
        listener.Bind(new IPEndPoint(NodeB.Address, 0));
        listener.Listen(8);
        using Socket client = NodeA.CreateSocket();
        Mark(client);
        RecordClient(client, ShownIp);

        AssertServerSeesNodeA(client, listener);
    }

    [Fact]
    public void TheClientsOwnGetpeername_StillShowsTheServer()
    {
        using Socket listener = Listener(app: true);
        using Socket client = NodeA.CreateSocket();
        Mark(client);
        RecordClient(client, ShownIp);

        var (accepted, _) = Connect(client, listener);
        using (accepted)
        {
            Assert.Equal(new Ipv4Endpoint(Address(NodeB), (ushort)((IPEndPoint)listener.LocalEndPoint!).Port), PeerName((int)client.Handle));
        }
    }

    public void Dispose()
    {
        _links.ForEach(static l => l.Dispose());
        _marker?.Dispose();
        _peers?.Dispose();
        _clients?.Dispose();
        _btf?.Dispose();
        _cluster.Dispose();
    }

    private static uint Address(ClusterNode node) => BinaryPrimitives.ReadUInt32BigEndian(node.Address.GetAddressBytes());

    private void AssertServerSeesNodeA(Socket client, Socket listener)
    {
        var (accepted, peer) = Connect(client, listener);
        using (accepted)
        {
            ushort clientPort = (ushort)((IPEndPoint)client.LocalEndPoint!).Port;
            Assert.Equal(new Ipv4Endpoint(Address(NodeA), clientPort), peer);
            Assert.Equal(new Ipv4Endpoint(Address(NodeA), clientPort), PeerName(accepted));
        }
    }

    /// <summary>A listener on node B, marked as an app socket before listen() when <paramref name="app"/>, as the daemon marks at socket().</summary>
    private Socket Listener(bool app)
    {
        Socket listener = NodeB.CreateSocket();
        if (app)
        {
            Mark(listener);
        }

        listener.Bind(new IPEndPoint(NodeB.Address, 0));
        listener.Listen(8);
        return listener;
    }

    private static unsafe (OwnedFd Accepted, Ipv4Endpoint Peer) Connect(Socket client, Socket listener)
    {
        client.Connect(listener.LocalEndPoint!);
        global::Interop.Libc.SockAddrIn address = default;
        uint length = (uint)sizeof(global::Interop.Libc.SockAddrIn);
        int fd = global::Interop.Libc.Accept4((int)listener.Handle, &address, &length, global::Interop.Libc.SOCK_CLOEXEC);
        Assert.True(fd >= 0, $"accept: {(global::Interop.LastErrno())}");
        return (new OwnedFd(fd), Ipv4Endpoint.FromSockAddr(address));
    }

    private static Ipv4Endpoint PeerName(OwnedFd socket) => PeerName(socket.Fd);

    private static unsafe Ipv4Endpoint PeerName(int socket)
    {
        global::Interop.Libc.SockAddrIn address = default;
        uint length = (uint)sizeof(global::Interop.Libc.SockAddrIn);
        int result = global::Interop.Libc.GetPeerName(socket, &address, &length);
        Assert.True(result == 0, $"getpeername: {(global::Interop.LastErrno())}");
        return Ipv4Endpoint.FromSockAddr(address);
    }

    private static unsafe IPEndPoint PeerName6(int socket)
    {
        byte[] address = new byte[28]; // struct sockaddr_in6
        uint length = (uint)address.Length;
        fixed (byte* buffer = address)
        {
            Assert.True(global::Interop.Libc.GetPeerName(socket, buffer, &length) == 0, $"getpeername: {(global::Interop.LastErrno())}");
        }

        return new IPEndPoint(new IPAddress(address.AsSpan(8, 16)), BinaryPrimitives.ReadUInt16BigEndian(address.AsSpan(2)));
    }

    /// <summary>Makes a socket inside <paramref name="node"/>'s namespace, as <see cref="ClusterNode.CreateSocket"/> does for IPv4.</summary>
    private static Socket InNamespace(ClusterNode node, Func<Socket> create)
    {
        Socket? socket = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/run/netns/{node.Namespace}");
                Assert.Equal(0, global::Interop.Libc.Setns((int)handle.DangerousGetHandle(), global::Interop.Libc.CLONE_NEWNET));
                socket = create();
            }
            catch (Exception error)
            {
                failure = error;
            }
        });
        thread.Start();
        thread.Join();
        return failure is null ? socket! : throw new InvalidOperationException($"cannot make a socket in {node.Namespace}", failure);
    }

    private void Mark(Socket socket) => Assert.Equal(Errno.None, BpfSyscall.TryUpdate(_marker, Key(socket), [1, 0, 0, 0]));

    private void RecordClient(Socket socket, uint ip)
    {
        byte[] value = new byte[sizeof(uint)];
        BinaryPrimitives.WriteUInt32BigEndian(value, ip);
        Assert.Equal(Errno.None, BpfSyscall.TryUpdate(_clients, Key(socket), value));
    }

    private static byte[] Key(Socket socket)
    {
        byte[] key = new byte[sizeof(int)];
        BinaryPrimitives.WriteInt32LittleEndian(key, (int)socket.Handle);
        return key;
    }

    private OwnedFd StorageMap(string name, uint flags)
    {
        Assert.Equal(Errno.None, BpfSyscall.TryCreateSocketStorageMap(name, _btf, ClientIpBtf.U32TypeId, sizeof(uint), ClientIpBtf.U32TypeId, out OwnedFd? map, flags));
        return map!;
    }
}
