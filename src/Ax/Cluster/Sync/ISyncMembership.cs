namespace Ax.Cluster.Sync;

/// <summary>The alive members of this cluster, as the sync protocol follows them (a seam tests drive).</summary>
internal interface ISyncMembership
{
    /// <summary>The alive members now, this node possibly among them.</summary>
    IReadOnlyList<SyncPeer> Current { get; }

    /// <summary>Raised after <see cref="Current"/> changed.</summary>
    event Action? Changed;
}
