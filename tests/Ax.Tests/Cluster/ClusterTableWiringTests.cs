using System.Collections.Immutable;
using Ax.Addressing;
using Ax.Apps;
using Ax.Cluster;
using Ax.Cluster.Sync;
using Ax.Contracts;
using Ax.Policy;
using Ax.Proxies;
using Ax.Routing;
using Ax.ServiceTable;
using Ax.VServices;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ax.Tests.Cluster;

/// <summary>
/// The seams between the table sync and the daemon's tables: what this node publishes (LocalNodeTable) and
/// where peers' tables land (PeerTableSink), with vservices and --expose rules carried along.
/// </summary>
public sealed class ClusterTableWiringTests
{
    private const uint NodeIp = 0x0A000001;
    private const uint PeerIp = 0x0A000002;

    [Fact]
    public void LocalTable_GetsANewVersionForLocalChangesOnly()
    {
        var (apps, services, vregistry, vmanager) = Tables();
        using var local = new LocalNodeTable("a", "appswitch", 7, apps, services, vregistry, vmanager);
        int changes = 0;
        local.Changed += () => changes++;
        ulong v0 = local.Current.Version;

        apps.Add(new AppRecord("f0000001", "web", LabelSet.Default, 0xC6120001, true, 10, ["python3", "-m", "http.server"]) { Expose = [new ExposeRule(8000, Ipv4Endpoint.Any, 10000)] });
        services.Upsert(Row("a", 1, "f0000001", NodeIp));
        Assert.Equal(CreateOutcome.Created, vmanager.TryCreate(new VServiceInfo("vs", "Random", "5.5.5.5", [new VServicePort(80, 8000)], ["198.18.0.1"]), out _, out _));
        ulong v3 = local.Current.Version;

        // A peer's rows arriving change nothing this node publishes.
        services.ReplaceNode("b", [Row("b", 1, "f0000002", PeerIp)]);
        apps.ReplacePeer("b", [new AppRecord("f0000002", "db", LabelSet.Default, 0xC6120002, true, 11, ["redis-server"])]);

        Assert.Equal(v0 + 3, v3);
        Assert.Equal(v3, local.Current.Version);
        Assert.Equal(3, changes);
        var table = local.Current;
        Assert.Equal(("a", "appswitch", 7UL), (table.Node, table.Cluster, table.Incarnation));
        var app = Assert.Single(table.Apps);
        Assert.Equal(["8000:0.0.0.0:10000"], app.Expose!);
        Assert.Equal("python3 -m http.server", app.Command);
        Assert.Equal("f0000001", Assert.Single(table.Services).AppId);
        Assert.Equal("vs", Assert.Single(table.VServices).Name);
    }

    [Fact]
    public void Sink_ReplacesAPeersRows_ResolvesItsNames_AndRemoveForgetsThemAll()
    {
        var (apps, services, vregistry, vmanager) = Tables();
        var sink = new PeerTableSink("a", apps, services, vmanager, NullLogger.Instance);
        var table = new NodeTable("b", "appswitch", 1, 4,
            [new SyncApp("f0000002", "db", "198.18.0.2", true, ["role=db"], 11, "redis-server") { Expose = ["6379:0.0.0.0:16379"] }],
            [new SyncService(77, Guid.NewGuid().ToString("N"), "f0000002", "tcp", "198.18.0.2:6379", "10.0.0.2:40001", "0.0.0.0:6379", ["role=db"], 128)])
        {
            VServices = [new VServiceInfo("cache", "RoundRobin", "6.6.6.6", [new VServicePort(80, 6379)], ["198.18.0.2"])],
        };

        sink.Apply(table);

        var row = Assert.Single(services.Current.Lookup(TransportProtocol.Tcp, new Ipv4Endpoint(0xC6120002, 6379)));
        Assert.Equal(("b", 77UL, new Ipv4Endpoint(PeerIp, 40001)), (row.Node, row.Inode, row.HostAddr));
        Assert.True(apps.TryFindByName("db", out uint ip) && ip == 0xC6120002);
        Assert.Equal(16379, Assert.Single(Assert.Single(apps.PeerApps["b"]).Expose).NodePort);
        Assert.True(vregistry.TryResolve("cache", out _));

        sink.Remove("b");

        Assert.Equal(0, services.Current.Count);
        Assert.False(apps.TryFindByName("db", out _));
        Assert.True(vregistry.Current.IsEmpty);
    }

    [Fact]
    public void Sink_IgnoresATableUnderThisNodesName_AndLeavesOutRowsThatDoNotParse()
    {
        var (apps, services, _, vmanager) = Tables();
        services.Upsert(Row("a", 1, "f0000001", NodeIp));
        var sink = new PeerTableSink("a", apps, services, vmanager, NullLogger.Instance);

        sink.Apply(new NodeTable("a", "appswitch", 1, 1, [], []));
        Assert.Single(services.Current.All);

        sink.Apply(new NodeTable("b", "appswitch", 1, 1,
            [new SyncApp("f0000002", "db", "not-an-ip", true, [], 1, "x"), new SyncApp("f0000003", "ok", "198.18.0.3", true, [], 1, "x")],
            [
                new SyncService(1, "s1", "f0000003", "sctp", "198.18.0.3:80", "10.0.0.2:40001", "0.0.0.0:80", [], 1),
                new SyncService(2, "s2", "f0000003", "tcp", "198.18.0.3:80", "0.0.0.0:40002", "0.0.0.0:80", [], 1),
                new SyncService(3, "s3", "f0000003", "tcp", "198.18.0.3:80", "10.0.0.2:40003", "0.0.0.0:80", [], 1),
            ]));

        Assert.Equal("ok", Assert.Single(apps.PeerApps["b"]).Name);
        Assert.Equal(40003, Assert.Single(services.Current.RowsOf("b").Values).HostAddr.Port);
        Assert.Single(services.Current.RowsOf("a").Values);
    }

    [Fact]
    public void Sink_LeavesOutAPeersServiceThatPointsAnywhereButThePeerItself()
    {
        var (apps, services, _, vmanager) = Tables();
        var sink = new PeerTableSink("a", apps, services, vmanager, NullLogger.Instance, node => node == "b" ? PeerIp : null);

        sink.Apply(new NodeTable("b", "appswitch", 1, 1, [],
        [
            new SyncService(1, "s1", "f0000003", "tcp", "198.18.0.3:80", "10.0.0.2:40001", "0.0.0.0:80", ["zone=default"], 1),
            new SyncService(2, "s2", "f0000003", "tcp", "198.18.0.3:80", "10.9.9.9:443", "0.0.0.0:80", ["zone=default"], 1),
        ]));

        Assert.Equal(new Ipv4Endpoint(PeerIp, 40001), Assert.Single(services.Current.All).HostAddr);
    }

    [Fact]
    public void Sink_ParsesOnlyTheRowsADeltaBrings_AndAnUnchangedCopyPublishesNothing()
    {
        var (apps, services, _, vmanager) = Tables();
        var sink = new PeerTableSink("a", apps, services, vmanager, NullLogger.Instance);
        var app = new SyncApp("f0000002", "db", "198.18.0.2", true, ["zone=default"], 11, "redis-server");
        var first = new SyncService(1, "s1", "f0000002", "tcp", "198.18.0.2:6379", "10.0.0.2:40001", "0.0.0.0:6379", ["zone=default"], 128);
        var table = new NodeTable("b", "appswitch", 1, 1, [app], [first]);
        sink.Apply(table);
        ServiceEntry kept = Assert.Single(services.Current.All);
        int changes = 0;
        services.Changed += () => changes++;
        apps.Changed += () => changes++;

        // The same row objects again (what a delta that touched other rows hands over): no change at all.
        sink.Apply(table with { Version = 2 });
        Assert.Equal(0, changes);

        var second = first with { Socket = 2, SocketId = "s2", HostAddr = "10.0.0.2:40002" };
        sink.Apply(table with { Version = 3, Services = [first, second] });
        Assert.Equal(1, changes);
        Assert.Same(kept, services.Current.RowsOf("b")[1]);
        Assert.Equal(2, services.Current.Count);
    }

    [Fact]
    public void Delta_OfOnlyAVServiceChange_IsSent_AndApplied_AndTheHashFollowsIt()
    {
        var before = new NodeTable("a", "appswitch", 1, 1, [], []);
        var after = before with { Version = 2, VServices = [new VServiceInfo("vs", "Random", "5.5.5.5", [new VServicePort(80, 8000)], ["1.1.1.1"])] };

        var delta = NodeTableDiff.Between(before, after);
        Assert.True(delta.Count > 0);
        byte[] frame = SyncFrameCodec.Encode(SyncFrameKind.Delta, delta);
        Assert.True(SyncFrameCodec.TryDecode(frame.AsSpan(4), out var decoded, out string error), error);

        var applied = NodeTableDiff.Apply(before, Assert.IsType<SyncDelta>(decoded.Body));
        Assert.NotNull(applied);
        Assert.Equal("vs", Assert.Single(applied.VServices).Name);
        Assert.Equal(NodeTableHash.Of(after), NodeTableHash.Of(applied));
        Assert.NotEqual(NodeTableHash.Of(before), NodeTableHash.Of(after));
        Assert.Null(NodeTableDiff.Between(after, after with { Version = 3 }).VServices);
    }

    private static (AppRegistry, ServiceRegistry, VServiceRegistry, VServiceManager) Tables()
    {
        var apps = new AppRegistry();
        var services = new ServiceRegistry("a");
        var vregistry = new VServiceRegistry();
        var router = new RoutingEngine(services, apps, NodeIp, vregistry);
        return (apps, services, vregistry, new VServiceManager(vregistry, router, new ProxyTable(), NodeIp, null, NullLogger.Instance, "a"));
    }

    private static ServiceEntry Row(string node, ulong inode, string appId, uint nodeIp) =>
        new(Guid.NewGuid(), node, appId, TransportProtocol.Tcp, new Ipv4Endpoint(0xC6120001, 8000), new Ipv4Endpoint(nodeIp, 40000), new Ipv4Endpoint(0, 8000), LabelSet.Default, inode, 128);
}
