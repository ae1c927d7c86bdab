using System.Net;

namespace Ax.Cluster.Sync;

/// <summary>How the daemon-to-daemon table sync listens, batches, checks and retries (a record, so a variant is a <c>with</c>).</summary>
internal sealed record SyncOptions
{
    /// <summary>The sync listener's port, published as the <c>ax-sync</c> tag. Defaults to 7947 (the gossip port + 1); 0 picks a free one.</summary>
    internal int Port { get; init; } = 7947;

    /// <summary>Where the listener binds: the node interface's address. Defaults to any.</summary>
    internal IPAddress ListenAddress { get; init; } = IPAddress.Any;

    /// <summary>
    /// How long a change waits for more before the delta goes out. Defaults to 10 ms: 300 listens at once are
    /// then one or a few frames per peer rather than 300, and the window is small next to the 300 ms p50
    /// the cluster targets from listen() to a remote connect.
    /// </summary>
    internal TimeSpan CoalesceDelay { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// How often a publisher sends each subscriber a digest (anti-entropy, and a heartbeat). Defaults to 5 s:
    /// a loss is repaired within that, for 50 bytes a peer.
    /// </summary>
    internal TimeSpan DigestInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A subscriber that hears nothing for this long reconnects. Defaults to 3 digest intervals (15 s).</summary>
    internal TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Time allowed to connect, and for a subscriber's hello to arrive whole. Defaults to 5 s.</summary>
    internal TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A write to a subscriber that takes longer ends its connection. Defaults to 10 s.</summary>
    internal TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>First wait before reconnecting to a peer; doubles per failure. Defaults to 100 ms.</summary>
    internal TimeSpan RetryMin { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest wait between reconnects to a peer that is alive but does not answer. Defaults to 5 s.</summary>
    internal TimeSpan RetryMax { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The longest frame accepted. Defaults to 16 MiB: a full table of 10,000 services is ~3 MB of JSON, so
    /// a frame over this is a broken or hostile peer, refused before it is buffered.
    /// </summary>
    internal int MaxFrameBytes { get; init; } = 16 << 20;

    /// <summary>The longest hello a publisher reads from a connection it has not yet identified. Defaults to 4 KiB.</summary>
    internal int MaxHelloBytes { get; init; } = 4096;

    /// <summary>Subscriber connections a publisher serves at once; more are closed at accept. Defaults to 1024.</summary>
    internal int MaxSubscribers { get; init; } = 1024;

    /// <summary>
    /// Frames queued for one subscriber before the publisher gives up on it (it reads too slowly or not at
    /// all) and closes its connection; it resubscribes and gets the table whole. Defaults to 1024.
    /// </summary>
    internal int MaxQueuedFrames { get; init; } = 1024;

    /// <summary>
    /// Wraps each connection's stream before the first frame, on both ends: the seam for <c>--tls</c>
    /// (an SslStream with mutual authentication against the cluster's CA). The string is the peer's node
    /// name on the subscriber's side (the name its certificate must carry), null on the publisher's.
    /// Defaults to none: frames cross the network in clear text.
    /// </summary>
    internal Func<Stream, SyncStreamSide, string?, CancellationToken, ValueTask<Stream>>? WrapStream { get; init; }
}
