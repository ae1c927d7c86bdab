using System.Collections.Immutable;
using Ax.Addressing;
using Ax.Apps;
using Ax.ServiceTable;
using Ax.VServices;

namespace Ax.Policy;

/// <summary>
/// Decides where a connect goes: to one of the servers of a service the client may reach (labels
/// shared, picked at random), to a backend of a vservice (picked by its --lbtype), nowhere
/// (ECONNREFUSED), or out of the node unchanged (egress).
/// </summary>
internal sealed class ConnectRouter(ServiceRegistry services, AppRegistry apps, uint nodeIp, VServiceRegistry? vservices = null)
{
    private readonly VServiceRegistry _vservices = vservices ?? new VServiceRegistry();

    internal RouteDecision Route(AppRecord client, TransportProtocol proto, Ipv4Endpoint destination)
    {
        ServiceSnapshot snapshot = services.Current;
        var servers = snapshot.Lookup(proto, destination);
        if (servers.IsEmpty)
        {
            // A server's host address (node-ip:pool-port) is as guarded as its virtual address: an app
            // that read it from 'ax get servers' or scanned the pool must still share a label with it.
            if (snapshot.TryFindByHost(proto, destination, out ServiceEntry? direct))
            {
                return direct!.Labels.SharesAnyWith(client.Labels) ? RouteDecision.ToServer(direct) : RouteDecision.Refused;
            }

            VServiceSnapshot vsnapshot = _vservices.Current;
            if (!vsnapshot.IsEmpty && vsnapshot.TryFind(destination, out VService? vservice, out ushort appPort))
            {
                return RouteVService(snapshot, vservice!, appPort, proto, client.Labels);
            }

            // A virtual IP that ax hands out, on a port where nothing listens: refuse as a host with
            // that port closed would, rather than letting the packet leave for an address that is not real.
            // The node's own address is real: a port there with no ax service is a plain host service.
            bool isVirtual = destination.Address != nodeIp &&
                (snapshot.IsServiceIp(destination.Address) || apps.IsAppIp(destination.Address) || vsnapshot.IsVip(destination.Address));
            return isVirtual
                ? RouteDecision.Refused
                : RouteDecision.Egress(destination);
        }

        ServiceEntry? server = PickServer(servers, client.Labels);
        return server is null ? RouteDecision.Refused : RouteDecision.ToServer(server);
    }

    /// <summary>
    /// Picks a backend of <paramref name="vservice"/> for a connect on a virtual port mapped to
    /// <paramref name="appPort"/>. A backend where ax services listen is reached through one of them
    /// (label policy applies; <paramref name="clientLabels"/> null means a client outside ax, which the
    /// node's proxy admits); any other backend is an external server, dialled as it is. Starting from
    /// the backend the lbtype chooses, a backend the client may not reach is skipped for the next one.
    /// </summary>
    internal RouteDecision RouteVService(VService vservice, ushort appPort, TransportProtocol proto, LabelSet? clientLabels) =>
        RouteVService(services.Current, vservice, appPort, proto, clientLabels);

    private RouteDecision RouteVService(ServiceSnapshot snapshot, VService vservice, ushort appPort, TransportProtocol proto, LabelSet? clientLabels)
    {
        var backends = vservice.Backends;
        int start = vservice.NextStart();
        for (int i = 0; i < backends.Length; i++)
        {
            VServiceBackend backend = backends[(start + i) % backends.Length];
            var target = new Ipv4Endpoint(backend.Address, backend.PortFor(appPort));
            var servers = snapshot.Lookup(proto, target);
            if (servers.IsEmpty)
            {
                // An ax address with nothing on that port is a backend that is down, not a real host.
                if (target.Address != nodeIp && (snapshot.IsServiceIp(target.Address) || apps.IsAppIp(target.Address)))
                {
                    continue;
                }

                return RouteDecision.Egress(target) with { SourceIp = vservice.SourceIp };
            }

            ServiceEntry? server = PickServer(servers, clientLabels);
            if (server is not null)
            {
                return RouteDecision.ToServer(server) with { SourceIp = vservice.SourceIp };
            }
        }

        return RouteDecision.Refused;
    }

    /// <summary>One server, at random, among those sharing a label with the client (all, for a null client).</summary>
    private static ServiceEntry? PickServer(ImmutableArray<ServiceEntry> servers, LabelSet? clientLabels)
    {
        int allowed = 0;
        foreach (ServiceEntry server in servers)
        {
            if (clientLabels is null || server.Labels.SharesAnyWith(clientLabels))
            {
                allowed++;
            }
        }

        if (allowed == 0)
        {
            return null;
        }

        int pick = Random.Shared.Next(allowed);
        foreach (ServiceEntry server in servers)
        {
            if ((clientLabels is null || server.Labels.SharesAnyWith(clientLabels)) && pick-- == 0)
            {
                return server;
            }
        }

        throw new InvalidOperationException("unreachable: the pick is below the allowed count");
    }
}
