namespace Ax.Cluster;

/// <summary>What changed between two snapshots; raised by <see cref="ClusterMembership.Changed"/>.</summary>
/// <param name="Joined">Members that are alive now and were not before.</param>
/// <param name="Departed">Members gone, with why: "failed", "left", "leaving", "reaped" (no longer listed), or "cluster" (now tagged with another cluster).</param>
/// <param name="Updated">Members whose address or tags changed.</param>
/// <param name="Snapshot">The snapshot after the change.</param>
internal sealed record MembershipChange(
    IReadOnlyList<ClusterMember> Joined,
    IReadOnlyList<(ClusterMember Member, string Reason)> Departed,
    IReadOnlyList<ClusterMember> Updated,
    MembershipSnapshot Snapshot);
