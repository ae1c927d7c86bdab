namespace Ax.Cluster.Sync;

/// <summary>A peer broke the sync protocol (a malformed frame, a wrong field, a frame too long): its connection ends.</summary>
internal sealed class SyncProtocolException(string message) : Exception(message);
