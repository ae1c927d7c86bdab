using Ax.Addressing;
using Ax.Apps;
using Ax.ServiceTable;

namespace Ax.Policy;

/// <summary>
/// Decides where a connect goes: to one of the servers of a service the client may reach (labels
/// shared, picked at random), nowhere (ECONNREFUSED), or out of the node unchanged (egress).
/// </summary>
internal sealed class ConnectRouter(ServiceRegistry services, AppRegistry apps, uint nodeIp)
{
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

            // A virtual IP that ax hands out, on a port where nothing listens: refuse as a host with
            // that port closed would, rather than letting the packet leave for an address that is not real.
            // The node's own address is real: a port there with no ax service is a plain host service.
            bool isVirtual = destination.Address != nodeIp &&
                (snapshot.IsServiceIp(destination.Address) || apps.IsAppIp(destination.Address));
            return isVirtual
                ? RouteDecision.Refused
                : RouteDecision.Egress(destination);
        }

        int allowed = 0;
        foreach (ServiceEntry server in servers)
        {
            if (server.Labels.SharesAnyWith(client.Labels))
            {
                allowed++;
            }
        }

        if (allowed == 0)
        {
            return RouteDecision.Refused;
        }

        int pick = Random.Shared.Next(allowed);
        foreach (ServiceEntry server in servers)
        {
            if (server.Labels.SharesAnyWith(client.Labels) && pick-- == 0)
            {
                return RouteDecision.ToServer(server);
            }
        }

        throw new InvalidOperationException("unreachable: the pick is below the allowed count");
    }
}
