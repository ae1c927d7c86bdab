namespace Ax.Cluster.Sync;

/// <summary>What changed in a node's table from one version to the next it published (a coalesced burst).</summary>
/// <param name="Incarnation">The publisher's incarnation.</param>
/// <param name="From">The version it applies to: a subscriber holding another one has missed something.</param>
/// <param name="To">The version it makes.</param>
/// <param name="Apps">Apps added or changed, whole.</param>
/// <param name="RemovedApps">Ids of apps gone.</param>
/// <param name="Services">Services added or changed, whole.</param>
/// <param name="RemovedServices">Socket ids of services gone.</param>
internal sealed record SyncDelta(ulong Incarnation, ulong From, ulong To, SyncApp[] Apps, string[] RemovedApps, SyncService[] Services, string[] RemovedServices)
{
    /// <summary>The node's vservices, whole, when they changed (they change rarely and are few); null when unchanged.</summary>
    public Contracts.VServiceInfo[]? VServices { get; init; }

    /// <summary>The node's rules, whole, when they changed (as <see cref="NodeTable.Rules"/>); null when unchanged.</summary>
    public string[]? Rules { get; init; }

    internal int Count => Apps.Length + RemovedApps.Length + Services.Length + RemovedServices.Length + (VServices is null ? 0 : 1) + (Rules is null ? 0 : 1);
}
