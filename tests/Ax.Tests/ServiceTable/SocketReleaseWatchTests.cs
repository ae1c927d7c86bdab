using System.Net;
using System.Net.Sockets;
using Ax.Guard;
using Ax.ServiceTable;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ax.Tests.ServiceTable;

/// <summary>
/// Loads the release program into this kernel on the test process's own cgroup and closes sockets of
/// each kind: only the last close of a marked (app) TCP listener or UDP socket moves the count. Other
/// sockets of the cgroup (the rest of the test run) are not this guard's app sockets and never count.
/// </summary>
public sealed class SocketReleaseWatchTests : IDisposable
{
    private readonly string _runDir = Directory.CreateTempSubdirectory("ax-release-").FullName;
    private readonly SocketGuard _guard;
    private readonly SocketReleaseWatch _watch;

    public SocketReleaseWatchTests()
    {
        _guard = SocketGuard.Start(_runDir, NullLogger.Instance) ?? throw new InvalidOperationException("the kernel refused the socket guard");
        _watch = SocketReleaseWatch.Start(_guard, NullLogger.Instance) ?? throw new InvalidOperationException("the kernel refused the release watch");
    }

    [Fact]
    public void ClosingAnAppListener_Counts_AndOnlyItsLastDescriptorDoes()
    {
        ulong before = Count();
        var listener = Marked(new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        int copy = global::Interop.Libc.Fcntl((int)listener.Handle, global::Interop.Libc.F_DUPFD_CLOEXEC, 0);
        Assert.True(copy >= 0);

        listener.Dispose();
        Assert.Equal(before, Count());

        Assert.Equal(0, global::Interop.Libc.Close(copy));
        Assert.Equal(before + 1, Settled(before + 1));
    }

    [Fact]
    public void ClosingAnAppUdpSocket_OrADualStackListener_Counts()
    {
        ulong before = Count();
        using (var udp = Marked(new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp)))
        {
            udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        }

        using (var dual = Marked(new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true }))
        {
            dual.Bind(new IPEndPoint(IPAddress.IPv6Any, 0));
            dual.Listen();
        }

        Assert.Equal(before + 2, Settled(before + 2));
    }

    [Fact]
    public void ClosingAConnection_OrAnUnmarkedListener_DoesNotCount()
    {
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        server.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        server.Listen();
        ulong before = Count();

        using (var client = Marked(new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)))
        {
            client.Connect(server.LocalEndPoint!);
            using Socket accepted = server.Accept();
        }

        using (var plain = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            plain.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            plain.Listen();
        }

        Assert.Equal(before, Count());
    }

    public void Dispose()
    {
        _watch.Dispose();
        _guard.Dispose();
        Directory.Delete(_runDir, recursive: true);
    }

    private Socket Marked(Socket socket)
    {
        Assert.Equal(Errno.None, _guard.Maps.MarkAppSocket((int)socket.Handle));
        return socket;
    }

    private ulong Count() => _watch.Releases ?? throw new InvalidOperationException("the count could not be read");

    /// <summary>
    /// The count once it reached <paramref name="expected"/> or 2 s passed: the runtime may hand a descriptor's
    /// last close to another thread a moment after Dispose returns. A count past it is returned at once.
    /// </summary>
    private ulong Settled(ulong expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(2);
        ulong count;
        while ((count = Count()) < expected && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(10);
        }

        return count;
    }
}
