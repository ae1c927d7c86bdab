using System.Collections.Immutable;
using Ax.Addressing;

namespace Ax.ServiceTable;

/// <summary>
/// An immutable view of the service table, indexed three ways; readers never lock. Each change makes
/// a new snapshot in O(log n), so a table of 10,000 services is built without quadratic cost.
/// </summary>
internal sealed record ServiceSnapshot(
    ImmutableDictionary<ulong, ServiceEntry> ByInode,
    ImmutableDictionary<ServiceKey, ImmutableArray<ServiceEntry>> ByService,
    ImmutableDictionary<(TransportProtocol Proto, Ipv4Endpoint HostAddr), ServiceEntry> ByHost,
    ImmutableDictionary<uint, int> ServiceIpCounts)
{
    internal static ServiceSnapshot Empty { get; } = new(
        ImmutableDictionary<ulong, ServiceEntry>.Empty,
        ImmutableDictionary<ServiceKey, ImmutableArray<ServiceEntry>>.Empty,
        ImmutableDictionary<(TransportProtocol, Ipv4Endpoint), ServiceEntry>.Empty,
        ImmutableDictionary<uint, int>.Empty);

    internal ImmutableArray<ServiceEntry> Lookup(TransportProtocol proto, Ipv4Endpoint serviceAddr) =>
        ByService.TryGetValue(new ServiceKey(proto, serviceAddr), out var entries) ? entries : [];

    internal bool TryFindByHost(TransportProtocol proto, Ipv4Endpoint hostAddr, out ServiceEntry? entry) =>
        ByHost.TryGetValue((proto, hostAddr), out entry);

    /// <summary>True when some service listens on this virtual IP, on any port.</summary>
    internal bool IsServiceIp(uint address) => ServiceIpCounts.ContainsKey(address);

    internal ServiceSnapshot With(ServiceEntry entry)
    {
        ServiceSnapshot snapshot = ByInode.ContainsKey(entry.Inode) ? Without(ByInode[entry.Inode]) : this;
        var key = new ServiceKey(entry.Proto, entry.ServiceAddr);
        var peers = snapshot.ByService.TryGetValue(key, out var existing) ? existing : [];
        return new ServiceSnapshot(
            snapshot.ByInode.SetItem(entry.Inode, entry),
            snapshot.ByService.SetItem(key, peers.Add(entry)),
            snapshot.ByHost.SetItem((entry.Proto, entry.HostAddr), entry),
            snapshot.ServiceIpCounts.SetItem(entry.ServiceAddr.Address, snapshot.ServiceIpCounts.GetValueOrDefault(entry.ServiceAddr.Address) + 1));
    }

    internal ServiceSnapshot Without(ServiceEntry entry)
    {
        if (!ByInode.ContainsKey(entry.Inode))
        {
            return this;
        }

        var key = new ServiceKey(entry.Proto, entry.ServiceAddr);
        var peers = ByService[key].Remove(entry);
        int ipCount = ServiceIpCounts.GetValueOrDefault(entry.ServiceAddr.Address) - 1;
        return new ServiceSnapshot(
            ByInode.Remove(entry.Inode),
            peers.IsEmpty ? ByService.Remove(key) : ByService.SetItem(key, peers),
            ByHost.TryGetValue((entry.Proto, entry.HostAddr), out var atHost) && atHost == entry ? ByHost.Remove((entry.Proto, entry.HostAddr)) : ByHost,
            ipCount <= 0 ? ServiceIpCounts.Remove(entry.ServiceAddr.Address) : ServiceIpCounts.SetItem(entry.ServiceAddr.Address, ipCount));
    }
}
