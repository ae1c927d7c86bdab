using Ax.Addressing;
using Ax.Apps;
using Ax.ServiceTable;
using Ax.VServices;

namespace Ax.Routing;

/// <summary>
/// Which addresses ax hands out rather than finds on a host: a service's address that is not its node's own, an
/// app's --ip or the address made up for its --name (on any node), a vservice's vIP. A connect there is routed or
/// refused, never sent on as it is; the node's own address and 0 are never virtual. The router asks
/// <see cref="IsVirtual"/>, and the UDP send guard fills its map from <see cref="All"/>: one rule for both.
/// </summary>
internal static class VirtualAddresses
{
    internal static bool IsVirtual(uint address, ServiceSnapshot services, AppRegistry apps, VServiceSnapshot vservices, uint nodeIp) =>
        address != nodeIp && address != Ipv4Endpoint.Any &&
        (services.IsServiceIp(address) || apps.IsAppIp(address) || vservices.IsVip(address));

    /// <summary>Every virtual address of the tables, possibly more than once.</summary>
    internal static IEnumerable<uint> All(ServiceSnapshot services, IEnumerable<AppRecord> apps, VServiceSnapshot vservices, uint nodeIp)
    {
        IEnumerable<uint> addresses = services.All.Where(static e => e.HasVirtualAddress).Select(static e => e.ServiceAddr.Address)
            .Concat(apps.Where(static a => a.HasOwnIp).Select(static a => a.Ip))
            .Concat(vservices.ByName.Values.Select(static v => v.Vip));
        return addresses.Where(a => a != nodeIp && a != Ipv4Endpoint.Any);
    }
}
