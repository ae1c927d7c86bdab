namespace Ax.Cluster.Sync;

/// <summary>A decoded frame: its kind and its body (a <see cref="SyncHello"/>, <see cref="NodeTable"/>, <see cref="SyncDelta"/>, <see cref="SyncDigest"/> or <see cref="SyncRefusal"/>).</summary>
internal readonly record struct SyncFrame(SyncFrameKind Kind, object Body);
