using Ax.Addressing;
using Ax.Apps;
using Ax.Contracts;
using Ax.Policy;
using Ax.Routing;
using Ax.ServiceTable;
using Ax.VServices;

namespace Ax.Tests.Routing;

public sealed class RoutingEngineTests
{
    private const uint NodeIp = 0x0A000001;
    private static readonly Ipv4Endpoint Vip = new(0x01010101, 80);

    [Fact]
    public void Connect_ToVirtualIp_WithDisjointLabels_IsRefused()
    {
        var (router, _) = Router(Server("role=prod", 40000));

        var decision = router.Route(Client("role=test"), TransportProtocol.Tcp, Vip);

        Assert.True(decision.IsRefused);
    }

    [Fact]
    public void Connect_ToVirtualIp_PicksOnlyServersSharingALabel_AndSpreadsOverThem()
    {
        var (router, _) = Router(Server("role=test", 40000), Server("role=prod", 40001), Server("role=test", 40002));
        var seen = new HashSet<ushort>();

        for (int i = 0; i < 200; i++)
        {
            var decision = router.Route(Client("role=test"), TransportProtocol.Tcp, Vip);
            Assert.False(decision.IsRefused);
            seen.Add(decision.Target.Port);
        }

        Assert.Equal(new ushort[] { 40000, 40002 }, seen.Order());
    }

    [Fact]
    public void Connect_ToAVirtualIpOnAnUnservedPort_IsRefused_ButTheNodeIpIsPlainEgress()
    {
        var (router, _) = Router(Server("zone=default", 40000));

        Assert.True(router.Route(Client("zone=default"), TransportProtocol.Tcp, Vip.WithPort(81)).IsRefused);
        var toNode = router.Route(Client("zone=default"), TransportProtocol.Tcp, new Ipv4Endpoint(NodeIp, 22));
        Assert.False(toNode.IsRefused);
        Assert.Null(toNode.Server);
        var elsewhere = router.Route(Client("zone=default"), TransportProtocol.Tcp, new Ipv4Endpoint(0x08080808, 53));
        Assert.Equal(new Ipv4Endpoint(0x08080808, 53), elsewhere.Target);
    }

    [Fact]
    public void Connect_ToAServersHostAddress_WithDisjointLabels_IsRefused_AsItsVirtualAddressIs()
    {
        var (router, _) = Router(Server("role=prod", 40000));
        var hostAddr = new Ipv4Endpoint(NodeIp, 40000);

        Assert.True(router.Route(Client("role=test"), TransportProtocol.Tcp, hostAddr).IsRefused);
        var allowed = router.Route(Client("role=prod"), TransportProtocol.Tcp, hostAddr);
        Assert.False(allowed.IsRefused);
        Assert.Equal(hostAddr, allowed.Target);
    }

    [Fact]
    public void Connect_ToAVServiceVip_ReachesAnAxBackendServer_OnTheMappedPort()
    {
        var (router, services) = Router(Server("zone=default", 40000));
        var vservices = VServices(new VServiceInfo("v", null, "9.9.9.9", [new VServicePort(8000, 80)], ["1.1.1.1"]));
        router = new RoutingEngine(services, new AppRegistry(), NodeIp, vservices);

        var decision = router.Route(Client("zone=default"), TransportProtocol.Tcp, new Ipv4Endpoint(0x09090909, 8000));

        Assert.Equal(new Ipv4Endpoint(NodeIp, 40000), decision.Target);
        Assert.NotNull(decision.Server);
        Assert.True(router.Route(Client("zone=default"), TransportProtocol.Tcp, new Ipv4Endpoint(0x09090909, 8001)).IsRefused);
    }

    [Fact]
    public void Connect_ToAVService_SkipsBackendsTheClientMayNotReach_AndDialsExternalOnesAsGiven()
    {
        var (_, services) = Router(Server("role=prod", 40000));
        var vservices = VServices(new VServiceInfo("v", "RoundRobin", "9.9.9.9", [new VServicePort(8000, 80)], ["1.1.1.1", "8.8.4.4:53"]));
        var router = new RoutingEngine(services, new AppRegistry(), NodeIp, vservices);

        var targets = Enumerable.Range(0, 4)
            .Select(_ => router.Route(Client("role=test"), TransportProtocol.Tcp, new Ipv4Endpoint(0x09090909, 8000)).Target)
            .ToArray();
        var prod = router.Route(Client("role=prod"), TransportProtocol.Tcp, new Ipv4Endpoint(0x09090909, 8000));

        Assert.All(targets, t => Assert.Equal(new Ipv4Endpoint(0x08080404, 53), t));
        Assert.Equal(new Ipv4Endpoint(NodeIp, 40000), prod.Target);
    }

    [Fact]
    public void RoundRobinVService_OverThreeExternalBackends_RotatesStrictly()
    {
        var vservices = VServices(new VServiceInfo("rr", "RoundRobin", "9.9.9.9", [new VServicePort(8000, 80)], ["8.8.4.1", "8.8.4.2", "8.8.4.3"]));
        var router = new RoutingEngine(new ServiceRegistry("node-a"), new AppRegistry(), NodeIp, vservices);

        var order = Enumerable.Range(0, 7)
            .Select(_ => router.Route(Client("zone=default"), TransportProtocol.Tcp, new Ipv4Endpoint(0x09090909, 8000)).Target.Address & 0xff)
            .ToArray();

        Assert.Equal([1u, 2u, 3u, 1u, 2u, 3u, 1u], order);
    }

    [Fact]
    public void RoundRobinVService_RotatesOverEveryServerBehindItsBackends_NotOverTheListedAddresses()
    {
        // One backend address with three servers behind it and one external backend: four endpoints, one connect each per round.
        var (_, services) = Router(Server("zone=default", 40000), Server("zone=default", 40001), Server("zone=default", 40002));
        var vservices = VServices(new VServiceInfo("rr", "RoundRobin", "9.9.9.9", [new VServicePort(8000, 80)], ["1.1.1.1", "8.8.4.4"]));
        var router = new RoutingEngine(services, new AppRegistry(), NodeIp, vservices);

        var ports = Enumerable.Range(0, 12)
            .Select(_ => router.Route(Client("zone=default"), TransportProtocol.Tcp, new Ipv4Endpoint(0x09090909, 8000)).Target.Port)
            .ToArray();

        for (int round = 0; round < 3; round++)
        {
            Assert.Equal(new ushort[] { 80, 40000, 40001, 40002 }, ports.Skip(round * 4).Take(4).Order());
        }

        Assert.Equal(ports.Take(4), ports.Skip(4).Take(4));
    }

    [Fact]
    public void RandomVService_ReachesEveryBackend()
    {
        var vservices = VServices(new VServiceInfo("r", null, "9.9.9.9", [new VServicePort(8000, 80)], ["8.8.4.1", "8.8.4.2", "8.8.4.3"]));
        var router = new RoutingEngine(new ServiceRegistry("node-a"), new AppRegistry(), NodeIp, vservices);

        var seen = Enumerable.Range(0, 300)
            .Select(_ => router.Route(Client("zone=default"), TransportProtocol.Tcp, new Ipv4Endpoint(0x09090909, 8000)).Target.Address & 0xff)
            .ToHashSet();

        Assert.Equal([1u, 2u, 3u], seen.Order());
    }

    private static VServiceRegistry VServices(params VServiceInfo[] specs)
    {
        var registry = new VServiceRegistry();
        foreach (var spec in specs)
        {
            Assert.True(VServiceValidation.TryCreate(spec, out var vservice, out string? problem), problem);
            Assert.True(registry.TryAdd(vservice, out _));
        }

        return registry;
    }

    private static (RoutingEngine Router, ServiceRegistry Services) Router(params ServiceEntry[] servers)
    {
        var services = new ServiceRegistry("node-a");
        foreach (var server in servers)
        {
            services.Upsert(server);
        }

        return (new RoutingEngine(services, new AppRegistry(), NodeIp), services);
    }

    private static ServiceEntry Server(string labels, ushort hostPort)
    {
        Assert.True(LabelSet.TryParse(labels, out var set, out _));
        return new ServiceEntry(Guid.NewGuid(), "node-a", "f0000001", TransportProtocol.Tcp, Vip, new Ipv4Endpoint(NodeIp, hostPort), Vip.WithAddress(0), set, hostPort, 128);
    }

    private static AppRecord Client(string labels)
    {
        Assert.True(LabelSet.TryParse(labels, out var set, out _));
        return new AppRecord("f0000002", "client", set, NodeIp, false, 1, ["curl"]);
    }
}
