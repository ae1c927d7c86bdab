namespace Ax.Cluster.Sync;

/// <summary>The byte after a frame's length: what its JSON body is.</summary>
internal enum SyncFrameKind : byte
{
    /// <summary>Subscriber to publisher, once, first: <see cref="SyncHello"/>.</summary>
    Hello = 1,

    /// <summary>Publisher to subscriber: the whole <see cref="NodeTable"/>.</summary>
    Full = 2,

    /// <summary>Publisher to subscriber: a <see cref="SyncDelta"/> from the version the subscriber holds.</summary>
    Delta = 3,

    /// <summary>Publisher to subscriber, periodically and after the hello: a <see cref="SyncDigest"/>.</summary>
    Digest = 4,

    /// <summary>Publisher to subscriber, then close: a <see cref="SyncRefusal"/>.</summary>
    Refusal = 5,
}
