using System.Collections.Immutable;
using Ax.Addressing;

namespace Ax.ServiceTable;

/// <summary>
/// An immutable view of the cluster's service table, indexed four ways; readers never lock. Each change
/// makes a new snapshot in O(log n), so a table of 10,000 services is built without quadratic cost.
/// <see cref="ByNode"/> keeps each node's rows apart, so one node's writer (this node's interception, a
/// peer's copy) replaces or sweeps its own rows without scanning anyone else's.
/// </summary>
internal sealed record ServiceSnapshot(
    ImmutableDictionary<string, ImmutableDictionary<ulong, ServiceEntry>> ByNode,
    ImmutableDictionary<ServiceKey, ImmutableArray<ServiceEntry>> ByService,
    ImmutableDictionary<(TransportProtocol Proto, Ipv4Endpoint HostAddr), ServiceEntry> ByHost,
    ImmutableDictionary<uint, int> ServiceIpCounts)
{
    private static readonly ImmutableDictionary<ulong, ServiceEntry> NoRows = ImmutableDictionary<ulong, ServiceEntry>.Empty;

    internal static ServiceSnapshot Empty { get; } = new(
        ImmutableDictionary.Create<string, ImmutableDictionary<ulong, ServiceEntry>>(StringComparer.Ordinal),
        ImmutableDictionary<ServiceKey, ImmutableArray<ServiceEntry>>.Empty,
        ImmutableDictionary<(TransportProtocol, Ipv4Endpoint), ServiceEntry>.Empty,
        ImmutableDictionary<uint, int>.Empty);

    /// <summary>Every row of every node.</summary>
    internal IEnumerable<ServiceEntry> All => ByNode.Values.SelectMany(static rows => rows.Values);

    internal int Count => ByNode.Values.Sum(static rows => rows.Count);

    /// <summary>The rows one node owns, by its socket inodes.</summary>
    internal ImmutableDictionary<ulong, ServiceEntry> RowsOf(string node) => ByNode.GetValueOrDefault(node, NoRows);

    internal ImmutableArray<ServiceEntry> Lookup(TransportProtocol proto, Ipv4Endpoint serviceAddr) =>
        ByService.TryGetValue(new ServiceKey(proto, serviceAddr), out var entries) ? entries : [];

    internal bool TryFindByHost(TransportProtocol proto, Ipv4Endpoint hostAddr, out ServiceEntry? entry) =>
        ByHost.TryGetValue((proto, hostAddr), out entry);

    /// <summary>True when some service listens on this virtual IP, on any port (a node's own address is not virtual).</summary>
    internal bool IsServiceIp(uint address) => ServiceIpCounts.ContainsKey(address);

    internal ServiceSnapshot With(ServiceEntry entry)
    {
        ServiceSnapshot snapshot = RowsOf(entry.Node).TryGetValue(entry.Inode, out ServiceEntry? old) ? Without(old) : this;
        var key = new ServiceKey(entry.Proto, entry.ServiceAddr);
        var peers = snapshot.ByService.TryGetValue(key, out var existing) ? existing : [];
        return new ServiceSnapshot(
            snapshot.ByNode.SetItem(entry.Node, snapshot.RowsOf(entry.Node).SetItem(entry.Inode, entry)),
            snapshot.ByService.SetItem(key, peers.Add(entry)),
            snapshot.ByHost.SetItem((entry.Proto, entry.HostAddr), entry),
            entry.HasVirtualAddress ? AddIp(snapshot.ServiceIpCounts, entry.ServiceAddr.Address, +1) : snapshot.ServiceIpCounts);
    }

    internal ServiceSnapshot Without(ServiceEntry entry)
    {
        var rows = RowsOf(entry.Node);
        if (!rows.TryGetValue(entry.Inode, out ServiceEntry? listed) || listed != entry)
        {
            return this;
        }

        rows = rows.Remove(entry.Inode);
        var key = new ServiceKey(entry.Proto, entry.ServiceAddr);
        var peers = ByService[key].Remove(entry);
        return new ServiceSnapshot(
            rows.IsEmpty ? ByNode.Remove(entry.Node) : ByNode.SetItem(entry.Node, rows),
            peers.IsEmpty ? ByService.Remove(key) : ByService.SetItem(key, peers),
            ByHost.TryGetValue((entry.Proto, entry.HostAddr), out var atHost) && atHost == entry ? ByHost.Remove((entry.Proto, entry.HostAddr)) : ByHost,
            entry.HasVirtualAddress ? AddIp(ServiceIpCounts, entry.ServiceAddr.Address, -1) : ServiceIpCounts);
    }

    private static ImmutableDictionary<uint, int> AddIp(ImmutableDictionary<uint, int> counts, uint address, int delta)
    {
        int count = counts.GetValueOrDefault(address) + delta;
        return count <= 0 ? counts.Remove(address) : counts.SetItem(address, count);
    }
}
