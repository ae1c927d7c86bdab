using System.Net;
using System.Net.Sockets;
using Ax.Cluster.Sync;

namespace Ax.Tests.Cluster.Sync;

/// <summary>A publisher a test scripts frame by frame (to lose a delta, or to misbehave), on loopback.</summary>
internal sealed class FakePublisher : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<Stream> _streams = [];

    internal FakePublisher(string node)
    {
        _listener.Start();
        Peer = new SyncPeer(node, (IPEndPoint)_listener.LocalEndpoint);
    }

    internal SyncPeer Peer { get; }

    /// <summary>The next subscriber's connection that says hello, and its hello.</summary>
    internal async Task<(Stream Stream, SyncHello Hello)> AcceptAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            var socket = await _listener.AcceptSocketAsync(timeout.Token);
            var stream = new NetworkStream(socket, ownsSocket: true);
            _streams.Add(stream);

            // A subscriber starved past its handshake timeout (a loaded machine) gives up and connects
            // again: skip such a connection, as a real publisher would.
            if (await new SyncFrameReader(stream).ReadAsync(4096, timeout.Token) is { } frame)
            {
                return (stream, Assert.IsType<SyncHello>(frame.Body));
            }
        }
    }

    internal static async Task SendAsync(Stream stream, SyncFrameKind kind, object body) =>
        await stream.WriteAsync(SyncFrameCodec.Encode(kind, body));

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        foreach (var stream in _streams)
        {
            await stream.DisposeAsync();
        }
    }
}
