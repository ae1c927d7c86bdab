namespace Ax.Cluster.Sync;

/// <summary>Why a publisher's connection to a subscriber ended, and whether the subscriber was at fault (then it is logged as a warning).</summary>
internal readonly record struct SyncConnectionEnd(string Reason, bool Fault);
