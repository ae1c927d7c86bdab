namespace Ax.Cluster.Sync;

/// <summary>Why a publisher will not serve a subscriber; it closes the connection after it.</summary>
internal sealed record SyncRefusal(string Reason);
