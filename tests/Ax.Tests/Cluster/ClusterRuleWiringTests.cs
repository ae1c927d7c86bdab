using Ax.Apps;
using Ax.Cluster;
using Ax.Cluster.Sync;
using Ax.Policy;
using Ax.Proxies;
using Ax.Routing;
using Ax.Routing.Amalgam8;
using Ax.Routing.Rules;
using Ax.ServiceTable;
using Ax.VServices;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ax.Tests.Cluster;

/// <summary>
/// Rules are cluster-wide: node a publishes the rules created on it in its part of the table, a delta carries
/// them to b, b's store holds them as a's (listed, not changeable there), and a hostile peer's bad rule is
/// dropped alone with a log line.
/// </summary>
public sealed class ClusterRuleWiringTests
{
    private static A8Rule Split(string id) =>
        new("web", id, 1, Route: new A8Route([new A8Backend(["version=v1"], Weight: 0.1), new A8Backend(["version=v2"])]));

    [Fact]
    public void ARuleCreatedOnA_TravelsInADelta_AndIsListedOnBAsAs()
    {
        var (apps, services, vregistry, vmanager) = Tables("a");
        var rulesA = new RuleStore("a", null, NullLogger.Instance);
        using var local = new LocalNodeTable("a", "appswitch", 7, apps, services, vregistry, vmanager, rulesA);
        NodeTable before = local.Current;

        Assert.Equal(RuleOutcome.Done, rulesA.TryAdd([Split("canary")], out _, out _));
        NodeTable after = local.Current;
        Assert.Equal(before.Version + 1, after.Version);

        // A peer's rule arriving at a changes nothing a publishes.
        rulesA.ApplyPeer("c", [Split("from-c")]);
        Assert.Equal(after.Version, local.Current.Version);

        SyncDelta delta = NodeTableDiff.Between(before, after);
        byte[] frame = SyncFrameCodec.Encode(SyncFrameKind.Delta, delta);
        Assert.True(SyncFrameCodec.TryDecode(frame.AsSpan(4), out var decoded, out string error), error);
        NodeTable? copy = NodeTableDiff.Apply(before, Assert.IsType<SyncDelta>(decoded.Body));
        Assert.NotNull(copy);
        Assert.Equal(NodeTableHash.Of(after), NodeTableHash.Of(copy));
        Assert.Null(NodeTableDiff.Between(after, after with { Version = after.Version + 1 }).Rules);

        var (bApps, bServices, _, bVManager) = Tables("b");
        var rulesB = new RuleStore("b", null, NullLogger.Instance);
        var sink = new PeerTableSink("b", bApps, bServices, bVManager, NullLogger.Instance, rules: rulesB);
        sink.Apply(copy);

        A8Rule got = Assert.Single(rulesB.Rules);
        Assert.Equal(("canary", 0.1), (got.Id, got.Route!.Backends[0].Weight));
        Assert.Equal("a", rulesB.OwnerOf("canary"));
        Assert.Equal(RuleOutcome.Conflict, rulesB.TryDelete(RuleFilter.ById("canary"), true, out _, out string? problem));
        Assert.Contains("created on node a", problem, StringComparison.Ordinal);

        sink.Remove("a");
        Assert.Empty(rulesB.Rules);
    }

    [Fact]
    public void AHostilePeersRules_AreDroppedOneByOne_AndTheRestApply()
    {
        var (apps, services, _, vmanager) = Tables("b");
        var logger = new RecordingLogger();
        var rules = new RuleStore("b", null, logger);
        var sink = new PeerTableSink("b", apps, services, vmanager, NullLogger.Instance, rules: rules);
        string good = System.Text.Json.JsonSerializer.Serialize(Split("good"), RuleJsonContext.Default.A8Rule);

        sink.Apply(new NodeTable("evil", "appswitch", 1, 1, [], [])
        {
            Rules =
            [
                good,
                """{"id": "x", "destination": "web", "route": {"backends": [{"tags": ["v=1"], "weight": 7}]}}""",
                """{"id": "y", "destination": "web", "route": {"backends": [{"tags": ["v=1"]}]}, "admin": true}""",
                """{"id": "z", "destination": "web", "route": {"backends": [{"tags": ["v=1"]}]}""",
                "not json",
            ],
        });

        Assert.Equal("good", Assert.Single(rules.Rules).Id);
        Assert.Equal(4, logger.Lines.Count(l => l.Contains("of node evil is not used here", StringComparison.Ordinal)));
    }

    [Fact]
    public void SyncValidation_RefusesATableWithTooLongARule()
    {
        var table = new NodeTable("a", "appswitch", 1, 1, [], []) { Rules = [new string('x', SyncValidation.MaxRuleText + 1)] };
        byte[] frame = SyncFrameCodec.Encode(SyncFrameKind.Full, table);

        Assert.False(SyncFrameCodec.TryDecode(frame.AsSpan(4), out _, out string error));
        Assert.Contains("rule", error, StringComparison.Ordinal);
    }

    private static (AppRegistry, ServiceRegistry, VServiceRegistry, VServiceManager) Tables(string node)
    {
        var apps = new AppRegistry();
        var services = new ServiceRegistry(node);
        var vregistry = new VServiceRegistry();
        var router = new RoutingEngine(services, apps, 0x0A000001, vregistry);
        return (apps, services, vregistry, new VServiceManager(vregistry, router, new ProxyTable(), 0x0A000001, null, NullLogger.Instance, node));
    }
}
