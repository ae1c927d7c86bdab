namespace Ax.Cluster.Sync;

/// <summary>Where the copies of the other nodes' tables go: the merged cluster table.</summary>
/// <remarks>
/// Calls for one node come one at a time and in order; calls for different nodes may run concurrently.
/// A node's rows only ever come from the daemon the membership lists under that node's name.
/// </remarks>
internal interface IPeerTableSink
{
    /// <summary>The whole current table of a peer: replace that node's rows with it.</summary>
    void Apply(NodeTable peerTable);

    /// <summary>The node left or failed: remove its rows.</summary>
    void Remove(string node);
}
