using System.Net;

namespace Ax.Cluster.Sync;

/// <summary>An alive member of the cluster, as the sync protocol needs it.</summary>
/// <param name="Node">The member's node name.</param>
/// <param name="Endpoint">Its sync endpoint (gossip address, <c>ax-sync</c> port), or null while it announces none.</param>
internal sealed record SyncPeer(string Node, IPEndPoint? Endpoint);
