using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace Ax.Cluster.Sync;

/// <summary>
/// The daemon-to-daemon table sync, both halves: a <see cref="SyncPublisher"/> serving this node's table
/// and a <see cref="SyncFollower"/> copying every other member's into the sink. The daemon wires three
/// seams: its own table (<see cref="ILocalNodeTable"/>), the merged table (<see cref="IPeerTableSink"/>)
/// and the membership (<see cref="ISyncMembership"/>, <see cref="ClusterSyncMembership"/> over Serf).
/// </summary>
internal sealed class ClusterTableSync : IAsyncDisposable
{
    private readonly SyncPublisher _publisher;
    private readonly SyncFollower _follower;

    internal ClusterTableSync(SyncOptions options, ILocalNodeTable local, ISyncMembership membership, IPeerTableSink sink, ILogger logger, TimeProvider? time = null)
    {
        var table = local.Current;
        _publisher = new SyncPublisher(options, local, logger, time);
        _follower = new SyncFollower(table.Node, table.Cluster, options, membership, sink, logger, time);
    }

    /// <summary>Where this node's table is served; its port goes into the <c>ax-sync</c> tag.</summary>
    internal IPEndPoint LocalEndpoint => _publisher.LocalEndpoint;

    internal SyncPublisher Publisher => _publisher;

    internal SyncFollower Follower => _follower;

    /// <summary>A fresh incarnation for a daemon start: random, never 0 (0 means "no copy" in a hello).</summary>
    internal static ulong NewIncarnation()
    {
        Span<byte> bytes = stackalloc byte[8];
        ulong value;
        do
        {
            RandomNumberGenerator.Fill(bytes);
            value = BitConverter.ToUInt64(bytes);
        }
        while (value == 0);
        return value;
    }

    /// <summary>Listens (a taken port throws here), then follows the members.</summary>
    internal void Start()
    {
        _publisher.Start();
        _follower.Start();
    }

    public async ValueTask DisposeAsync()
    {
        await _follower.DisposeAsync().ConfigureAwait(false);
        await _publisher.DisposeAsync().ConfigureAwait(false);
    }
}
