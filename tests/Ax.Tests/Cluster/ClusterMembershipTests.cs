using System.Net;
using Ax.Cluster;
using Ax.Cluster.Serf;

namespace Ax.Tests.Cluster;

/// <summary>How the member list the agent reports becomes the snapshot and the changes a daemon acts on.</summary>
public sealed class ClusterMembershipTests
{
    private static SerfMember Member(string name, string status = "alive", string? cluster = "appswitch", string sync = "6665") =>
        new(name, IPAddress.Parse($"10.213.200.{name[^1]}"), 7946,
            cluster is null ? new Dictionary<string, string>() : new Dictionary<string, string> { [SerfAgentOptions.ClusterTag] = cluster, [SerfAgentOptions.SyncPortTag] = sync },
            SerfMember.ParseStatus(status), status);

    private static (MembershipSnapshot, MembershipChange?) Reconcile(MembershipSnapshot current, List<string> foreign, params SerfMember[] members) =>
        ClusterMembership.Reconcile(current, members, "appswitch", (m, _) => foreign.Add(m.Name));

    [Fact]
    public void AliveMembersOfThisCluster_AreListed_OthersAreReportedAsForeign()
    {
        var foreign = new List<string>();
        var (snapshot, change) = Reconcile(MembershipSnapshot.Empty, foreign, Member("n1"), Member("n2"), Member("n3", cluster: "elsewhere"), Member("n4", cluster: null));

        Assert.Equal(["n1", "n2"], snapshot.Members.Select(m => m.Name));
        Assert.Equal(["n1", "n2"], change!.Joined.Select(m => m.Name).Order());
        Assert.Equal(["n3", "n4"], foreign);
        Assert.Equal(6665, snapshot.Members[0].SyncPort);
        Assert.Equal(1, snapshot.Version);
    }

    [Fact]
    public void FailedLeftAndVanishedMembers_DepartWithTheirReason()
    {
        var foreign = new List<string>();
        var (before, _) = Reconcile(MembershipSnapshot.Empty, foreign, Member("n1"), Member("n2"), Member("n3"), Member("n4"));

        var (after, change) = Reconcile(before, foreign, Member("n1"), Member("n2", "failed"), Member("n3", "left"));

        Assert.Equal(["n1"], after.Members.Select(m => m.Name));
        Assert.Equal([("n2", "failed"), ("n3", "left"), ("n4", "reaped")], change!.Departed.Select(d => (d.Member.Name, d.Reason)).OrderBy(d => d.Name));
        Assert.Empty(change.Joined);
        Assert.True(before.Contains("n2"), "an earlier snapshot must not change under its readers");
    }

    [Fact]
    public void TagChange_IsAnUpdate_AndNoChange_KeepsTheSameSnapshot()
    {
        var foreign = new List<string>();
        var (before, _) = Reconcile(MembershipSnapshot.Empty, foreign, Member("n1"));

        var (same, none) = Reconcile(before, foreign, Member("n1"));
        Assert.Null(none);
        Assert.Same(before, same);

        var (after, change) = Reconcile(before, foreign, Member("n1", sync: "7000"));
        Assert.Equal(7000, Assert.Single(change!.Updated).SyncPort);
        Assert.Equal(2, after.Version);
    }

    [Fact]
    public void MemberMovedToAnotherCluster_DepartsWithReasonCluster()
    {
        var foreign = new List<string>();
        var (before, _) = Reconcile(MembershipSnapshot.Empty, foreign, Member("n1"), Member("n2"));

        var (_, change) = Reconcile(before, foreign, Member("n1"), Member("n2", cluster: "elsewhere"));

        Assert.Equal(("n2", "cluster"), Assert.Single(change!.Departed) is var d ? (d.Member.Name, d.Reason) : default);
    }
}
