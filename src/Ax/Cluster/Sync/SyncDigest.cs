namespace Ax.Cluster.Sync;

/// <summary>A summary of the publisher's table: a subscriber whose copy differs resubscribes (anti-entropy).</summary>
/// <param name="Incarnation">The publisher's incarnation.</param>
/// <param name="Version">The version published last.</param>
/// <param name="Hash">The table's content hash at that version (<see cref="NodeTableHash"/>).</param>
internal sealed record SyncDigest(ulong Incarnation, ulong Version, string Hash);
