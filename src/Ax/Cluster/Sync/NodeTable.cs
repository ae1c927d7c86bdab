using System.Collections.Immutable;

namespace Ax.Cluster.Sync;

/// <summary>
/// One node's part of the cluster table: its apps and services, immutable. The node's daemon is its only
/// writer; every other daemon holds a copy it received over the sync protocol.
/// </summary>
/// <param name="Node">The node's name, as its gossip agent announces it.</param>
/// <param name="Cluster">The node's cluster (<c>--cluster</c>).</param>
/// <param name="Incarnation">Random per daemon start: a copy of another incarnation is not continued with deltas.</param>
/// <param name="Version">Grows with every change within one incarnation.</param>
/// <param name="Apps">The node's apps, one per <see cref="SyncApp.Id"/>.</param>
/// <param name="Services">The node's services, one per <see cref="SyncService.SocketId"/>.</param>
internal sealed record NodeTable(string Node, string Cluster, ulong Incarnation, ulong Version, ImmutableArray<SyncApp> Apps, ImmutableArray<SyncService> Services)
{
    /// <summary>The vservices created on the node (<c>ax create vservice</c>), one per name; served on every node.</summary>
    public ImmutableArray<Contracts.VServiceInfo> VServices { get; init; } = [];

    /// <summary>
    /// The Amalgam8 rules created on the node (<c>ax create rule</c>), each one rule as Amalgam8 JSON (the text
    /// /v1/rules answers with), in id order; every node routes by all of them. Carried as text so that the one
    /// strict rule parser checks a peer's rules (Routing/Rules/RuleStore.ApplyPeer), not a second schema here.
    /// </summary>
    public ImmutableArray<string> Rules { get; init; } = [];

    /// <summary>A node with nothing in it yet.</summary>
    internal static NodeTable Empty(string node, string cluster, ulong incarnation) => new(node, cluster, incarnation, 0, [], []);
}
