using System.Collections.Immutable;
using Ax.Addressing;
using Ax.Apps;
using Ax.Policy;
using Ax.Proxies;
using Ax.Routing;
using Ax.ServiceTable;

namespace Ax.Tests.Proxies;

public sealed class RemoteExposuresTests
{
    private const uint Here = 0x0A000001;
    private const uint There = 0x0A000002;
    private const uint Third = 0x0A000003;

    [Fact]
    public void EveryNodeServesAnAllNodesExposure_TheNamedNodeOnlyItsOwn()
    {
        var peers = Peers(
            ("b", App("f0000001", new ExposeRule(8000, Ipv4Endpoint.Any, 10000))),
            ("b", App("f0000002", new ExposeRule(8080, Here, 10001))),
            ("b", App("f0000003", new ExposeRule(9000, Third, 10002))),
            ("b", App("f0000004", new ExposeRule(9090, null, 10003))));

        var wanted = RemoteExposures.Wanted(Here, [], peers);

        Assert.Equal([10000, 10001], wanted.Keys.Select(static p => (int)p).Order());
        Assert.Equal(new ExposedPort(10000, "b", "f0000001", 8000), Assert.Single(wanted[10000]));
    }

    [Fact]
    public void APortALocalAppExposes_StaysThatAppsAndReplicasElsewhereShareOneProxy()
    {
        var local = App("f00000aa", new ExposeRule(8000, Ipv4Endpoint.Any, 10000));
        var peers = Peers(
            ("b", App("f0000001", new ExposeRule(8000, Ipv4Endpoint.Any, 10000))),
            ("b", App("f0000002", new ExposeRule(8000, Ipv4Endpoint.Any, 10005))),
            ("c", App("f0000003", new ExposeRule(8000, Ipv4Endpoint.Any, 10005))));

        var wanted = RemoteExposures.Wanted(Here, [local], peers);

        Assert.Equal([10005], wanted.Keys.Select(static p => (int)p));
        Assert.Equal(2, wanted[10005].Length);
    }

    [Fact]
    public void Pick_DialsOnlyTheExposingAppsServersOnTheirInternalPort()
    {
        var table = new ServiceRegistry("a");
        table.ReplaceNode("b",
        [
            Row("b", 1, "f0000001", 8000, There, 40000),
            Row("b", 2, "f0000001", 9999, There, 40001),   // another port of the same app
            Row("b", 3, "f0000009", 8000, There, 40002),   // another app
        ]);
        ImmutableArray<ExposedPort> ports = [new ExposedPort(10000, "b", "f0000001", 8000)];

        for (int i = 0; i < 20; i++)
        {
            RouteDecision route = RemoteExposures.Pick(table.Current, ports);
            Assert.Equal(new Ipv4Endpoint(There, 40000), route.Target);
        }

        table.RemoveNode("b");
        Assert.True(RemoteExposures.Pick(table.Current, ports).IsRefused);
    }

    private static AppRecord App(string id, ExposeRule rule) =>
        new(id, "web", LabelSet.Default, 0xC6120001, true, 1, ["python3"]) { Expose = [rule] };

    private static ImmutableDictionary<string, ImmutableArray<AppRecord>> Peers(params (string Node, AppRecord App)[] apps) =>
        apps.GroupBy(static a => a.Node).ToImmutableDictionary(static g => g.Key, static g => g.Select(static a => a.App).ToImmutableArray());

    private static ServiceEntry Row(string node, ulong inode, string appId, ushort port, uint nodeIp, ushort hostPort) =>
        new(Guid.Empty, node, appId, TransportProtocol.Tcp, new Ipv4Endpoint(0xC6120001, port), new Ipv4Endpoint(nodeIp, hostPort), new Ipv4Endpoint(0, port), LabelSet.Default, inode, 128);
}
