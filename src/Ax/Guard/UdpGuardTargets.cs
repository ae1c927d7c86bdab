using Ax.Addressing;
using Ax.Apps;
using Ax.Routing;
using Ax.ServiceTable;
using Ax.VServices;

namespace Ax.Guard;

/// <summary>
/// The destinations the UDP send guard's map must hold, computed from the daemon's tables: the same
/// addresses the router (Policy/ConnectRouter.cs) never lets a datagram reach unrouted, and no more: on
/// the node IP only the host ports of UDP services (what ax bound for an app, pool or --expose port),
/// which the router finds with TryFindByHost. Any other node port, pool range or not, is a plain host
/// port to the router (egress), and so to the guard: a client on the node that the kernel gave a
/// pool-range ephemeral port gets its replies.
/// </summary>
internal static class UdpGuardTargets
{
    internal static HashSet<UdpGuardKey> Collect(ServiceSnapshot services, IEnumerable<AppRecord> apps, VServiceSnapshot vservices, uint nodeIp)
    {
        var keys = new HashSet<UdpGuardKey>();

        // A virtual IP (Routing/VirtualAddresses.cs, the router's own rule) is refused on every port: the
        // router routes it or refuses it, never sends to it. The node IP is real: only the ports where ax
        // serves are guarded there.
        foreach (uint address in VirtualAddresses.All(services, apps, vservices, nodeIp))
        {
            keys.Add(UdpGuardKey.AnyPort(address));
        }

        void AddExact(Ipv4Endpoint endpoint)
        {
            uint address = endpoint.IsAnyAddress ? nodeIp : endpoint.Address;
            if (address != Ipv4Endpoint.Any && endpoint.Port != 0)
            {
                keys.Add(new UdpGuardKey(address, endpoint.Port));
            }
        }

        foreach (ServiceEntry entry in services.All)
        {
            if (entry.Proto == TransportProtocol.Udp)
            {
                // Exact entries matter where the address is the node's: a service of an app with no IP
                // of its own, and a host port exposed outside the pool (--expose).
                AddExact(entry.ServiceAddr);
                AddExact(entry.HostAddr);
            }
        }

        foreach (VService vservice in vservices.ByName.Values)
        {
            foreach (VServicePortMap port in vservice.Ports)
            {
                AddExact(new Ipv4Endpoint(vservice.Vip, port.VirtualPort));
            }
        }

        return keys;
    }
}
