using Ax.Apps;
using Ax.Contracts;
using Ax.Policy;
using Ax.Proxies;
using Ax.Routing;
using Ax.ServiceTable;
using Ax.VServices;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ax.Tests.VServices;

/// <summary>vservices of other nodes, as the table sync hands them over: served here, owned there.</summary>
public sealed class PeerVServicesTests
{
    private const uint NodeIp = 0x0A000001;

    [Fact]
    public void APeersVService_IsRoutedAndListedHere_ButOnlyItsNodeMayDeleteIt()
    {
        var (manager, registry) = Manager();

        manager.ApplyPeer("b", [Spec("db", "5.5.5.5")]);

        Assert.True(registry.TryResolve("db", out uint vip));
        Assert.Equal(0x05050505u, vip);
        Assert.Equal("b", Assert.Single(manager.List()).Node);
        Assert.Empty(manager.ListLocal());
        Assert.False(manager.TryDelete("db", out string? problem));
        Assert.Contains("created on node b", problem);
        Assert.True(registry.TryResolve("db", out _));
    }

    [Fact]
    public void AnUnchangedCopy_KeepsTheSameVService_AndAnEmptyOneRemovesThem()
    {
        var (manager, registry) = Manager();
        manager.ApplyPeer("b", [Spec("db", "5.5.5.5")]);
        VService first = registry.Current.ByName["db"];

        manager.ApplyPeer("b", [Spec("db", "5.5.5.5"), Spec("cache", "6.6.6.6")]);
        Assert.Same(first, registry.Current.ByName["db"]);
        Assert.Equal(2, registry.Current.ByName.Count);

        manager.ApplyPeer("b", []);
        Assert.True(registry.Current.IsEmpty);
    }

    [Fact]
    public void APeerVServiceThatClashesWithALocalOne_IsLeftOut_AndTheLocalOneStays()
    {
        var (manager, registry) = Manager();
        Assert.Equal(CreateOutcome.Created, manager.TryCreate(Spec("db", "5.5.5.5"), out _, out _));

        manager.ApplyPeer("b", [Spec("db", "7.7.7.7"), Spec("other", "5.5.5.5")]);

        Assert.Equal("a", registry.Current.ByName["db"].Node);
        Assert.Equal(0x05050505u, registry.Current.ByName["db"].Vip);
        Assert.False(registry.Current.ByName.ContainsKey("other"));
    }

    [Fact]
    public void ALocalCreate_OfANameAPeerHolds_SaysWhichNodeHasIt()
    {
        var (manager, _) = Manager();
        manager.ApplyPeer("b", [Spec("db", "5.5.5.5")]);

        Assert.Equal(CreateOutcome.Conflict, manager.TryCreate(Spec("db", "8.8.4.4"), out _, out string? problem));
        Assert.Contains("created on node b", problem);
    }

    private static VServiceInfo Spec(string name, string ip) => new(name, "RoundRobin", ip, [new VServicePort(80, 8000)], ["1.1.1.1", "2.2.2.2"]);

    private static (VServiceManager Manager, VServiceRegistry Registry) Manager()
    {
        var registry = new VServiceRegistry();
        var router = new RoutingEngine(new ServiceRegistry("a"), new AppRegistry(), NodeIp, registry);
        return (new VServiceManager(registry, router, new ProxyTable(), NodeIp, null, NullLogger.Instance, "a"), registry);
    }
}
