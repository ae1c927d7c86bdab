namespace Ax.Contracts;

/// <summary>One node of the cluster as this daemon sees it (a row of <c>ax get nodes</c>).</summary>
/// <param name="NodeId">The node's name (<c>--node-name</c>).</param>
/// <param name="Cluster">Its cluster (<c>--cluster</c>).</param>
/// <param name="NodeIp">Its node interface address.</param>
/// <param name="GossipPort">Its gossip port, or null for a daemon that runs single-node (no gossip agent).</param>
/// <param name="SyncPort">Its service-table sync port, when it publishes one.</param>
/// <param name="Status">"alive": the gossip agent lists only alive members; a failed or departed node is dropped.</param>
public sealed record ClusterNodeInfo(string NodeId, string Cluster, string NodeIp, int? GossipPort, int? SyncPort, string Status);
