namespace Ax.Cluster.Sync;

/// <summary>What a subscriber says first.</summary>
/// <param name="Protocol">The protocol version; <see cref="SyncFrameCodec.ProtocolVersion"/>.</param>
/// <param name="Cluster">The subscriber's cluster: another cluster's daemon is refused.</param>
/// <param name="Node">The subscriber's node name, for the publisher's log.</param>
/// <param name="Peer">The node the subscriber means to follow: an address reused by another node is refused.</param>
/// <param name="Incarnation">The incarnation of the copy the subscriber holds (0: none).</param>
/// <param name="Version">The version of that copy.</param>
internal sealed record SyncHello(int Protocol, string Cluster, string Node, string Peer, ulong Incarnation, ulong Version);
