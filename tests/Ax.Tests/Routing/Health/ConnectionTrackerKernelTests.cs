using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Ax.Addressing;
using Ax.Guard;
using Ax.Interception;
using Ax.PeerAddresses;
using Ax.Routing;
using Ax.Routing.Health;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Ax.Tests.Routing.Health;

/// <summary>
/// Loads the connection counter into this kernel, attached to the test process's own cgroup, and plays
/// the daemon on loopback sockets: it tracks a socket for a server before connecting it, as the connect
/// path does. Only the sockets a test tracks are counted, so the rest of the test run's sockets (in the
/// same cgroup) leave the counts alone, and this test's counts are its own tracker's.
/// </summary>
public sealed class ConnectionTrackerKernelTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(2);
    private readonly ITestOutputHelper _output;
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    // Bound, never listening: a connect to it is refused (RST), and no other test can listen there meanwhile.
    private readonly Socket _closedPort = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly List<Socket> _clients = [];
    private ConnectionTracker? _tracker;

    public ConnectionTrackerKernelTests(ITestOutputHelper output)
    {
        _output = output;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(64);
        _closedPort.Bind(new IPEndPoint(IPAddress.Loopback, 0));
    }

    private Ipv4Endpoint Server => Endpoint(_listener);

    private Ipv4Endpoint Refusing => Endpoint(_closedPort);

    private ConnectionTracker Tracker => _tracker ??= Start(ConnectionTracker.DefaultCapacity, ConnectionTracker.Quarantine);

    [Fact]
    public void ThreeTrackedConnections_AreOpenThree_AndClosingTwo_LeavesOne()
    {
        Socket[] clients = [Connect(Server), Connect(Server), Connect(Server)];
        AssertEventually(new ConnectionCounts(3, 0), Server);

        clients[0].Dispose();
        clients[1].Dispose();
        AssertEventually(new ConnectionCounts(1, 0), Server);
    }

    [Fact]
    public void ThreeRefusedConnects_AreThreeConsecutiveFailures_AndOneThatSucceedsEndsTheRun()
    {
        for (int i = 0; i < 3; i++)
        {
            Assert.Throws<SocketException>(() => Connect(Refusing));
        }

        AssertEventually(new ConnectionCounts(0, 3), Refusing);

        // The server is what Track names: the listener, counted under the refusing port's name, answers.
        Connect(Server, trackAs: Refusing);
        AssertEventually(new ConnectionCounts(1, 0), Refusing);
    }

    [Fact]
    public void AConnectThatTimesOut_IsAFailure()
    {
        // A listener whose accept queue is full drops SYNs (tcp_conn_request, net/ipv4/tcp_input.c); with
        // TCP_SYNCNT 1 the client gives up after one retransmission, about 3 s, with ETIMEDOUT.
        using var full = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        full.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        full.Listen(0);
        using var queued = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        queued.Connect(full.LocalEndPoint!);

        Socket client = NewSocket();
        client.SetRawSocketOption(6 /* IPPROTO_TCP */, 7 /* TCP_SYNCNT */, [1, 0, 0, 0]);
        Assert.True(Tracker.Track(client.Handle.ToInt32(), Endpoint(full)));
        var timedOut = Assert.Throws<SocketException>(() => client.Connect(full.LocalEndPoint!));
        Assert.Equal(SocketError.TimedOut, timedOut.SocketErrorCode);
        AssertEventually(new ConnectionCounts(0, 1), Endpoint(full));
    }

    [Fact]
    public void AServerIsCountedUnderTheNameTheDaemonGivesIt_NotTheAddressTheSocketDials()
    {
        // A local server reached at loopback is still node-ip:pool-port to the engine.
        var named = new Ipv4Endpoint(0x0a000005, 40001);
        Connect(Server, trackAs: named);
        AssertEventually(new ConnectionCounts(1, 0), named);
        Assert.Equal(default, Tracker.Read(Server));
    }

    [Fact]
    public void UntrackedSockets_ChangeNothing_EvenToATrackedServer()
    {
        Connect(Server);
        AssertEventually(new ConnectionCounts(1, 0), Server);

        using (var plain = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            plain.Connect(At(Server));
        }

        using var refused = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Assert.Throws<SocketException>(() => refused.Connect(At(Refusing)));
        Thread.Sleep(100);
        Assert.Equal(new ConnectionCounts(1, 0), Tracker.Read(Server));
        Assert.Equal(default, Tracker.Read(Refusing));
    }

    [Fact]
    public void NonBlockingConnects_AreCountedTheSame()
    {
        Socket open = ConnectNonBlocking(Server, Server);
        Assert.True(open.Poll(Patience, SelectMode.SelectWrite));
        ConnectNonBlocking(Server, Server);
        AssertEventually(new ConnectionCounts(2, 0), Server);

        Socket failed = ConnectNonBlocking(Refusing, Refusing);
        Assert.True(failed.Poll(Patience, SelectMode.SelectError) || failed.Poll(Patience, SelectMode.SelectWrite));
        ConnectNonBlocking(Refusing, Refusing);
        AssertEventually(new ConnectionCounts(0, 2), Refusing);

        open.Dispose();
        AssertEventually(new ConnectionCounts(1, 0), Server);
    }

    [Fact]
    public void AConnectionClosedByTheServer_IsNoLongerOpen()
    {
        Connect(Server);
        AssertEventually(new ConnectionCounts(1, 0), Server);

        _listener.Accept().Dispose();
        AssertEventually(new ConnectionCounts(0, 0), Server);
    }

    [Fact]
    public void AForgottenServer_KeepsItsSlotWhileConnectionsAreOpen_AndGivesItUpAfter()
    {
        _tracker = Start(capacity: 2, quarantine: TimeSpan.Zero);
        var other = new Ipv4Endpoint(0x0a000006, 40001);
        Socket client = Connect(Server);
        Assert.True(Tracker.Track(NewSocket().Handle.ToInt32(), other));
        var third = new Ipv4Endpoint(0x0a000007, 40001);
        Assert.False(Tracker.Track(NewSocket().Handle.ToInt32(), third)); // two slots, both taken
        AssertEventually(new ConnectionCounts(1, 0), Server);

        Tracker.Forget(Server);
        Assert.Equal(2, Tracker.TrackedServers);
        Assert.Equal(new ConnectionCounts(1, 0), Tracker.Read(Server));

        client.Dispose();
        AssertEventually(new ConnectionCounts(0, 0), Server);
        Assert.True(Tracker.Track(NewSocket().Handle.ToInt32(), third)); // the slot is free now, and zeroed
        Assert.Equal(2, Tracker.TrackedServers);
        Assert.Equal(default, Tracker.Read(third));
    }

    [Fact]
    public void AForgottenServer_TrackedAgainBeforeItsQuarantineEnds_KeepsItsCounts()
    {
        Connect(Server);
        AssertEventually(new ConnectionCounts(1, 0), Server);
        Tracker.Forget(Server);
        Connect(Server);
        AssertEventually(new ConnectionCounts(2, 0), Server);
        Assert.Equal(1, Tracker.TrackedServers);
    }

    [Fact]
    public void WithTheClientIpOptionProgramOnTheCgroupToo_AnAppSocketIsStillCountedUntilItCloses()
    {
        // The daemon's order: the option program is attached first. It sets its own callback flag at
        // TCP_CONNECT_CB and clears it at ACTIVE_ESTABLISHED_CB; neither may drop the tracker's STATE_CB
        // flag, or closes would never be counted (bpf_sock_ops_cb_flags_set replaces all flags).
        Assert.Equal(Errno.None, BpfSyscall.TryLoadBtf(ClientIpBtf.Build(), out OwnedFd? btf));
        var links = new List<OwnedFd>();
        OwnedFd? clients = null, peers = null, marker = null;
        try
        {
            Assert.Equal(Errno.None, BpfSyscall.TryCreateSocketStorageMap("ax_test_client", btf!, ClientIpBtf.U32TypeId, sizeof(uint), ClientIpBtf.U32TypeId, out clients));
            Assert.Equal(Errno.None, BpfSyscall.TryCreateSocketStorageMap("ax_test_peer", btf!, ClientIpBtf.U32TypeId, sizeof(uint), ClientIpBtf.U32TypeId, out peers, global::Interop.Bpf.BPF_F_CLONE));
            Assert.Equal(Errno.None, BpfSyscall.TryCreateSocketStorageMap("ax_test_marker", btf!, ClientIpBtf.U32TypeId, sizeof(uint), ClientIpBtf.U32TypeId, out marker));
            Assert.True(CgroupDirectory.TryOpen(Path.Combine(Path.GetTempPath(), $"ax-cg-{Guid.NewGuid():N}"), out OwnedFd? cgroup, out string? problem), problem);
            using (cgroup)
            {
                Assert.Null(PeerAddressRewriter.TryAttachOption(cgroup, clients!, peers!, marker!, links));
            }

            Socket client = NewSocket();
            Span<byte> key = stackalloc byte[sizeof(int)];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(key, client.Handle.ToInt32());
            Assert.Equal(Errno.None, BpfSyscall.TryUpdate(marker!, key, [1, 0, 0, 0]));
            Assert.Equal(Errno.None, BpfSyscall.TryUpdate(clients!, key, [1, 2, 3, 4]));
            Assert.True(Tracker.Track(client.Handle.ToInt32(), Server));
            client.Connect(At(Server));
            AssertEventually(new ConnectionCounts(1, 0), Server);

            client.Dispose();
            AssertEventually(new ConnectionCounts(0, 0), Server);
        }
        finally
        {
            links.ForEach(static l => l.Dispose());
            marker?.Dispose();
            peers?.Dispose();
            clients?.Dispose();
            btf!.Dispose();
        }
    }

    [Fact]
    public unsafe void AReadCostsLessThanOneMapLookupSyscall()
    {
        // Read is on the connect path once per least_request candidate; the array is mmapped so that a
        // read needs no bpf(2) call. Measured against one BPF_MAP_LOOKUP_ELEM on a hash map of the same shape.
        Connect(Server);
        Assert.Equal(Errno.None, BpfSyscall.TryCreateHashMap("ax_test_counts", 8, 8, 1024, out OwnedFd? hash));
        using (hash)
        {
            Span<byte> key = stackalloc byte[8];
            Span<byte> value = stackalloc byte[8];
            Assert.Equal(Errno.None, BpfSyscall.TryUpdate(hash!, key, value));
            const int rounds = 200_000;
            double readNs = double.MaxValue;
            double lookupNs = double.MaxValue;
            for (int attempt = 0; attempt < 3; attempt++)
            {
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < rounds; i++)
                {
                    _ = Tracker.Read(Server);
                }

                readNs = Math.Min(readNs, Stopwatch.GetElapsedTime(start).TotalNanoseconds / rounds);
                start = Stopwatch.GetTimestamp();
                for (int i = 0; i < rounds; i++)
                {
                    _ = BpfSyscall.TryLookup(hash!, key, value);
                }

                lookupNs = Math.Min(lookupNs, Stopwatch.GetElapsedTime(start).TotalNanoseconds / rounds);
            }

            _output.WriteLine($"Read: {readNs:F0} ns; BPF_MAP_LOOKUP_ELEM: {lookupNs:F0} ns");
            Assert.True(readNs < lookupNs, $"Read {readNs:F0} ns, lookup syscall {lookupNs:F0} ns");
        }
    }

    public void Dispose()
    {
        _clients.ForEach(static c => c.Dispose());
        _listener.Dispose();
        _closedPort.Dispose();
        _tracker?.Dispose();
    }

    private static IPEndPoint At(Ipv4Endpoint endpoint) => new(Ipv4Endpoint.ToIPAddress(endpoint.Address), endpoint.Port);

    private static Ipv4Endpoint Endpoint(Socket socket)
    {
        var local = (IPEndPoint)socket.LocalEndPoint!;
        Assert.True(Ipv4Endpoint.TryFromIPAddress(local.Address, out uint address));
        return new Ipv4Endpoint(address, (ushort)local.Port);
    }

    private static ConnectionTracker Start(int capacity, TimeSpan quarantine)
    {
        Assert.True(CgroupDirectory.TryOpen(Path.Combine(Path.GetTempPath(), $"ax-cg-{Guid.NewGuid():N}"), out OwnedFd? cgroup, out string? problem), problem);
        using (cgroup)
        {
            ConnectionTracker? tracker = ConnectionTracker.TryStart(cgroup, capacity, quarantine, TimeProvider.System, NullLogger.Instance, out problem);
            Assert.True(tracker is not null, problem);
            return tracker;
        }
    }

    private Socket NewSocket()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _clients.Add(socket);
        return socket;
    }

    private Socket Connect(Ipv4Endpoint to, Ipv4Endpoint? trackAs = null)
    {
        Socket socket = NewSocket();
        Assert.True(Tracker.Track(socket.Handle.ToInt32(), trackAs ?? to));
        socket.Connect(At(to));
        return socket;
    }

    private Socket ConnectNonBlocking(Ipv4Endpoint to, Ipv4Endpoint trackAs)
    {
        Socket socket = NewSocket();
        socket.Blocking = false;
        Assert.True(Tracker.Track(socket.Handle.ToInt32(), trackAs));
        var pending = Assert.Throws<SocketException>(() => socket.Connect(At(to)));
        Assert.Equal(SocketError.WouldBlock, pending.SocketErrorCode);
        return socket;
    }

    private void AssertEventually(ConnectionCounts expected, Ipv4Endpoint server)
    {
        var clock = Stopwatch.StartNew();
        ConnectionCounts counts;
        while ((counts = Tracker.Read(server)) != expected && clock.Elapsed < Patience)
        {
            Thread.Sleep(10);
        }

        Assert.Equal(expected, counts);
    }
}
