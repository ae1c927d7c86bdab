using System.Collections.Immutable;
using Ax.Addressing;
using Ax.Apps;
using Ax.Guard;
using Ax.Policy;
using Ax.Routing;
using Ax.ServiceTable;
using Ax.VServices;

namespace Ax.Tests.Guard;

public sealed class UdpGuardTargetsTests
{
    private const uint NodeIp = (10u << 24) | (213u << 16) | (7u << 8) | 2u;
    private const uint ServerIp = (2u << 24) | (2u << 16) | (2u << 8) | 2u;
    private const uint OtherAppIp = AppRegistry.MadeUpFirst + 1;
    private const uint Vip = (5u << 24) | (5u << 16) | (5u << 8) | 5u;

    [Fact]
    public void Collect_GuardsVirtualIpsOnEveryPort_AndNodeAddressesOfUdpServicesExactly()
    {
        var services = ServiceSnapshot.Empty
            .With(Service(TransportProtocol.Udp, new Ipv4Endpoint(ServerIp, 5300), new Ipv4Endpoint(NodeIp, 40001), inode: 1))
            .With(Service(TransportProtocol.Udp, new Ipv4Endpoint(NodeIp, 53), new Ipv4Endpoint(Ipv4Endpoint.Any, 10053), inode: 2))
            .With(Service(TransportProtocol.Tcp, new Ipv4Endpoint(NodeIp, 80), new Ipv4Endpoint(NodeIp, 40002), inode: 3));
        AppRecord[] apps =
        [
            new("f0000001", "web", LabelSet.Default, OtherAppIp, true, 1, ["python3"]),
            new("f0000002", "plain", LabelSet.Default, NodeIp, false, 2, ["curl"]),
        ];
        var vservices = VServiceSnapshot.Empty.With(new VService("v", LbType.Random, Vip, [new VServicePortMap(80, 8000)], [new VServiceBackend(ServerIp, 0)], false, 0));

        var keys = UdpGuardTargets.Collect(services, apps, vservices, NodeIp);

        Assert.Equal(
            new HashSet<UdpGuardKey>
            {
                UdpGuardKey.AnyPort(ServerIp),
                new(ServerIp, 5300),
                new(NodeIp, 40001),
                new(NodeIp, 53),        // a UDP service on the node's own address: that port only
                new(NodeIp, 10053),     // exposed on 0.0.0.0: reached at the node IP
                UdpGuardKey.AnyPort(OtherAppIp),
                UdpGuardKey.AnyPort(Vip),
                new(Vip, 80),
            },
            keys);
        // The node IP itself is never guarded on every port, nor a TCP service's host port.
        Assert.DoesNotContain(UdpGuardKey.AnyPort(NodeIp), keys);
        Assert.DoesNotContain(new UdpGuardKey(NodeIp, 40002), keys);
    }

    [Fact]
    public void Collect_GuardsANodeAddress_ExactlyWhenTheRouterWouldNotLetADatagramGoThereUnrouted()
    {
        var services = new ServiceRegistry("node-a");
        services.Upsert(Service(TransportProtocol.Udp, new Ipv4Endpoint(ServerIp, 5300), new Ipv4Endpoint(NodeIp, 40001), inode: 1));
        services.Upsert(Service(TransportProtocol.Tcp, new Ipv4Endpoint(ServerIp, 80), new Ipv4Endpoint(NodeIp, 40002), inode: 2));
        var apps = new AppRegistry();
        var client = new AppRecord("f0000009", "client", LabelSet.Default, NodeIp, false, 9, ["python3"]);
        apps.Add(client);
        var router = new RoutingEngine(services, apps, NodeIp);

        var keys = UdpGuardTargets.Collect(services.Current, apps.All, VServiceSnapshot.Empty, NodeIp);

        // Pool ports ax did not bind for a UDP service (a TCP service's, a node client's ephemeral
        // port, an idle one) are plain host ports to the router, so the guard must let sendmsg reach them.
        foreach (ushort port in new ushort[] { 40000, 40001, 40002, 40003, 50000, 60000, 53 })
        {
            var destination = new Ipv4Endpoint(NodeIp, port);
            RouteDecision route = router.Route(client, TransportProtocol.Udp, destination);
            bool leavesUnrouted = !route.IsRefused && route.Server is null && route.Target == destination;
            bool guarded = keys.Contains(new UdpGuardKey(NodeIp, port)) || keys.Contains(UdpGuardKey.AnyPort(NodeIp));
            Assert.True(guarded != leavesUnrouted, $"port {port}: guarded {guarded}, router lets it leave unrouted {leavesUnrouted}");
        }
    }

    private static ServiceEntry Service(TransportProtocol proto, Ipv4Endpoint serviceAddr, Ipv4Endpoint hostAddr, ulong inode) =>
        new(Guid.NewGuid(), "node-a", "f0000001", proto, serviceAddr, hostAddr, serviceAddr.WithAddress(0), LabelSet.Default, inode, 0);
}
