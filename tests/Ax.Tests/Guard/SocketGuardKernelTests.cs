using System.Net;
using System.Net.Sockets;
using Ax.Addressing;
using Ax.Guard;
using Ax.Interception;
using Microsoft.Extensions.Logging.Abstractions;
using static Interop.Bpf;

namespace Ax.Tests.Guard;

/// <summary>
/// Loads the guard's programs into this kernel and attaches them to the test process's own cgroup,
/// then plays both roles on loopback sockets: the daemon (this process, while the daemon map holds
/// its pid) and an outsider (once the map holds another pid). The programs judge only sockets in
/// this guard's marker map, so every other socket of the cgroup (the rest of the test run) is safe.
/// </summary>
public sealed class SocketGuardKernelTests : IDisposable
{
    private const uint Loopback = 0x7f000001;
    private const int EPERM = 1;
    private readonly string _runDir = Directory.CreateTempSubdirectory("ax-guard-").FullName;
    private readonly SocketGuard _guard;
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public SocketGuardKernelTests()
    {
        _guard = SocketGuard.Start(_runDir, NullLogger.Instance) ?? throw new InvalidOperationException("the kernel refused the socket guard");
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(16);
    }

    private ushort ListenerPort => (ushort)((IPEndPoint)_listener.LocalEndPoint!).Port;

    [Fact]
    public void AMarkedSocket_ConnectsAndBindsForTheDaemon_ButNotForAnyOtherProcess()
    {
        using OwnedFd daemonSocket = MarkedSocket(global::Interop.Libc.SOCK_STREAM);
        Assert.Equal(0, Bind(daemonSocket, 0));
        Assert.Equal(0, Connect(daemonSocket, ListenerPort));

        using OwnedFd appSocket = MarkedSocket(global::Interop.Libc.SOCK_STREAM);
        Assert.Equal(Errno.None, _guard.Maps.SetDaemon(Self() with { Tgid = 1 }));
        Assert.Equal(EPERM, Bind(appSocket, 0));
        Assert.Equal(EPERM, Connect(appSocket, ListenerPort));

        using OwnedFd udpSocket = MarkedSocket(global::Interop.Libc.SOCK_DGRAM);
        Assert.Equal(EPERM, Connect(udpSocket, ListenerPort));

        // TCP fast open connects from sendto: the same hook runs (__inet_stream_connect, pre_connect).
        using OwnedFd fastOpen = MarkedSocket(global::Interop.Libc.SOCK_STREAM);
        Assert.Equal(EPERM, SendFastOpen(fastOpen, ListenerPort));
    }

    [Fact]
    public void TheDaemonsTgid_InAnotherPidNamespace_IsRefused()
    {
        // The same number in a namespace that is not this process's: the kernel's helper finds the
        // caller outside it, so the caller is an app whatever its pid.
        using OwnedFd socket = MarkedSocket(global::Interop.Libc.SOCK_STREAM);
        DaemonIdentity self = Self();
        Assert.Equal(Errno.None, _guard.Maps.SetDaemon(self with { PidNamespaceInode = self.PidNamespaceInode + 1 }));
        Assert.Equal(EPERM, Bind(socket, 0));
        Assert.Equal(EPERM, Connect(socket, ListenerPort));

        Assert.Equal(Errno.None, _guard.Maps.SetDaemon(self));
        Assert.Equal(0, Bind(socket, 0));
        Assert.Equal(0, Connect(socket, ListenerPort));
    }

    [Fact]
    public void AnUnmarkedSocket_IsLeftAlone_WhoeverCalls()
    {
        Assert.Equal(Errno.None, _guard.Maps.SetDaemon(Self() with { Tgid = 1 }));
        using var plain = new OwnedFd(global::Interop.Libc.Socket(global::Interop.Libc.AF_INET, global::Interop.Libc.SOCK_STREAM | global::Interop.Libc.SOCK_CLOEXEC, 0));
        Assert.Equal(0, Bind(plain, 0));
        Assert.Equal(0, Connect(plain, ListenerPort));

        using var dualStack = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true };
        dualStack.Connect(new IPEndPoint(IPAddress.Loopback.MapToIPv6(), ListenerPort));
    }

    [Fact]
    public void AMarkedIpv6Socket_CannotConnectOrBind_ForAnOutsider()
    {
        using var dualStack = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true };
        Assert.Equal(Errno.None, _guard.Maps.MarkAppSocket((int)dualStack.Handle));
        Assert.Equal(Errno.None, _guard.Maps.SetDaemon(Self() with { Tgid = 1 }));

        var refused = Assert.Throws<SocketException>(() => dualStack.Connect(new IPEndPoint(IPAddress.Loopback.MapToIPv6(), ListenerPort)));
        Assert.Equal(SocketError.AccessDenied, refused.SocketErrorCode);
        refused = Assert.Throws<SocketException>(() => dualStack.Bind(new IPEndPoint(IPAddress.IPv6Any, 0)));
        Assert.Equal(SocketError.AccessDenied, refused.SocketErrorCode);
    }

    /// <summary>
    /// The variant for kernels before 6.10 (the machine-wide tgid) passes this kernel's verifier and, added
    /// beside the guard's own programs, still lets the daemon (this process, in the initial PID namespace) bind
    /// and connect, while refusing anyone else.
    /// </summary>
    [Fact]
    public void OlderKernelsVariant_LoadsAndLetsOnlyTheDaemonConnectAndBind()
    {
        Assert.True(Self().IsInInitialPidNamespace, "the tests run in the machine's initial PID namespace");
        BpfInsn[] program = SocketGuardProgram.Build(_guard.Maps.Marker.Fd, _guard.Maps.Daemon.Fd, DaemonCallerCheck.InitialNamespaceTgid);
        Assert.True(_guard.TryAttach("ax_connect_old", program, BPF_CGROUP_INET4_CONNECT, out string? problem), problem);
        Assert.True(_guard.TryAttach("ax_bind_old", program, BPF_CGROUP_INET4_BIND, out problem), problem);

        using OwnedFd daemonSocket = MarkedSocket(global::Interop.Libc.SOCK_STREAM);
        Assert.Equal(0, Bind(daemonSocket, 0));
        Assert.Equal(0, Connect(daemonSocket, ListenerPort));
        using OwnedFd appSocket = MarkedSocket(global::Interop.Libc.SOCK_STREAM);
        Assert.Equal(Errno.None, _guard.Maps.SetDaemon(Self() with { Tgid = 1 }));
        Assert.Equal(EPERM, Bind(appSocket, 0));
        Assert.Equal(EPERM, Connect(appSocket, ListenerPort));
    }

    [Fact]
    public void UdpSendGuard_RefusesAnOutsidersSendmsgToAGuardedDestination_AlsoV4MappedFromIpv6()
    {
        Assert.Equal(Errno.None, BpfSyscall.TryCreateHashMap("ax_udp_test", UdpGuardKey.Size, 1, 16, out OwnedFd? destinations));
        using (destinations)
        {
            BpfInsn[] program = UdpSendGuardProgram.Build(_guard.Maps.Marker.Fd, _guard.Maps.Daemon.Fd, destinations!.Fd);
            Assert.True(_guard.TryAttach("ax_udp_test", program, BPF_CGROUP_UDP4_SENDMSG, out string? problem), problem);
            using var server = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            server.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var guarded = (IPEndPoint)server.LocalEndPoint!;
            Span<byte> key = stackalloc byte[UdpGuardKey.Size];
            new UdpGuardKey(Loopback, (ushort)guarded.Port).Encode(key);
            Assert.Equal(Errno.None, BpfSyscall.TryUpdate(destinations, key, [1]));

            using var app = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            using var app6 = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp) { DualMode = true };
            Assert.Equal(Errno.None, _guard.Maps.MarkAppSocket((int)app.Handle));
            Assert.Equal(Errno.None, _guard.Maps.MarkAppSocket((int)app6.Handle));
            app.SendTo([1], guarded); // the daemon's own send
            Assert.Equal(Errno.None, _guard.Maps.SetDaemon(Self() with { Tgid = 1 }));

            Assert.Equal(SocketError.AccessDenied, Assert.Throws<SocketException>(() => app.SendTo([1], guarded)).SocketErrorCode);
            var mapped = new IPEndPoint(IPAddress.Loopback.MapToIPv6(), guarded.Port);
            Assert.Equal(SocketError.AccessDenied, Assert.Throws<SocketException>(() => app6.SendTo([1], mapped)).SocketErrorCode);

            using var other = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            other.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            app.SendTo([1], other.LocalEndPoint!);                     // not guarded: plain egress
            using var plain = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            plain.SendTo([1], guarded);                                // not an app socket
        }
    }

    [Fact]
    public void ASecondDaemonOfTheRunDirectory_FindsTheSameMaps_WithTheSocketsTheFirstMarked()
    {
        using OwnedFd socket = MarkedSocket(global::Interop.Libc.SOCK_STREAM);

        GuardMaps? next = GuardMaps.OpenOrCreate(_runDir, Self(), out string? problem);
        Assert.NotNull(next);
        using (next)
        {
            Assert.Null(problem);
            Assert.True(next.Reused);
            Assert.True(next.IsAppSocket(socket.Fd));
        }
    }

    public void Dispose()
    {
        _listener.Dispose();
        _guard.Dispose();
        Directory.Delete(_runDir, recursive: true);
    }

    private OwnedFd MarkedSocket(int type)
    {
        var socket = new OwnedFd(global::Interop.Libc.Socket(global::Interop.Libc.AF_INET, type | global::Interop.Libc.SOCK_CLOEXEC, 0));
        Assert.Equal(Errno.None, _guard.Maps.MarkAppSocket(socket.Fd));
        Assert.True(_guard.Maps.IsAppSocket(socket.Fd));
        return socket;
    }

    private static DaemonIdentity Self() =>
        DaemonIdentity.TryGetCurrent(out DaemonIdentity self, out string? problem) ? self : throw new InvalidOperationException(problem);

    private static int Bind(OwnedFd socket, ushort port) =>
        SocketCalls.Bind(socket.Fd, global::Interop.Libc.AF_INET, InetEndpoint.FromV4(new Ipv4Endpoint(Loopback, port))) == 0 ? 0 : (int)global::Interop.LastErrno();

    private static unsafe int SendFastOpen(OwnedFd socket, ushort port)
    {
        var address = new Ipv4Endpoint(Loopback, port).ToSockAddr();
        byte payload = 1;
        nint sent = global::Interop.Libc.SendTo(socket.Fd, &payload, 1, global::Interop.Libc.MSG_FASTOPEN, &address, (uint)sizeof(global::Interop.Libc.SockAddrIn));
        return sent >= 0 ? 0 : (int)global::Interop.LastErrno();
    }

    private static int Connect(OwnedFd socket, ushort port) =>
        SocketCalls.Connect(socket.Fd, global::Interop.Libc.AF_INET, InetEndpoint.FromV4(new Ipv4Endpoint(Loopback, port))) == 0 ? 0 : (int)global::Interop.LastErrno();
}
