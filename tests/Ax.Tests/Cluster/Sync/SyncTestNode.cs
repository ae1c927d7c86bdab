using System.Net;
using Ax.Cluster.Sync;

namespace Ax.Tests.Cluster.Sync;

/// <summary>One in-process daemon's sync: its own table, the copies it holds of the others, its membership view, on loopback.</summary>
internal sealed class SyncTestNode : IAsyncDisposable
{
    internal SyncTestNode(string name, SyncOptions? options = null, string cluster = "appswitch", int port = 0)
    {
        Name = name;
        Local = new FakeLocalTable(name, cluster);
        Options = (options ?? Fast()) with { Port = port };

        Sync = new ClusterTableSync(Options, Local, Membership, Sink, Logger);
        Sync.Start();
    }

    internal string Name { get; }

    internal FakeLocalTable Local { get; }

    internal RecordingSink Sink { get; } = new();

    internal FakeMembership Membership { get; } = new();

    internal RecordingLogger Logger { get; } = new();

    internal SyncOptions Options { get; }

    internal ClusterTableSync Sync { get; }

    internal SyncPeer Peer => new(Name, new IPEndPoint(IPAddress.Loopback, Sync.LocalEndpoint.Port));

    /// <summary>Options for tests: loopback, a free port, digests and retries fast enough for a test to see; timeouts as a loaded machine needs.</summary>
    internal static SyncOptions Fast(Func<Stream, SyncStreamSide, string?, CancellationToken, ValueTask<Stream>>? wrap = null) => new()
    {
        Port = 0,
        ListenAddress = IPAddress.Loopback,
        DigestInterval = TimeSpan.FromMilliseconds(300),
        IdleTimeout = TimeSpan.FromSeconds(10),
        HandshakeTimeout = TimeSpan.FromSeconds(5),
        RetryMin = TimeSpan.FromMilliseconds(20),
        RetryMax = TimeSpan.FromMilliseconds(200),
        WrapStream = wrap,
    };

    /// <summary>Every node of <paramref name="nodes"/> sees all of them alive.</summary>
    internal static void Join(params SyncTestNode[] nodes)
    {
        var peers = nodes.Select(n => n.Peer).ToArray();
        foreach (var node in nodes)
        {
            node.Membership.Set(peers);
        }
    }

    public ValueTask DisposeAsync() => Sync.DisposeAsync();
}
