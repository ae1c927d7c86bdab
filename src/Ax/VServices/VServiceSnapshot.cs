using System.Collections.Immutable;
using Ax.Addressing;

namespace Ax.VServices;

/// <summary>An immutable view of the vservices, indexed by name and by vIP:vport; readers never lock.</summary>
internal sealed record VServiceSnapshot(
    ImmutableDictionary<string, VService> ByName,
    ImmutableDictionary<Ipv4Endpoint, (VService VService, ushort AppPort)> ByEndpoint,
    ImmutableDictionary<uint, int> VipCounts)
{
    internal static VServiceSnapshot Empty { get; } = new(
        ImmutableDictionary.Create<string, VService>(StringComparer.OrdinalIgnoreCase),
        ImmutableDictionary<Ipv4Endpoint, (VService, ushort)>.Empty,
        ImmutableDictionary<uint, int>.Empty);

    internal bool IsEmpty => ByName.IsEmpty;

    /// <summary>Finds the vservice a client reaches at <paramref name="destination"/>, and the app port it maps to.</summary>
    internal bool TryFind(Ipv4Endpoint destination, out VService? vservice, out ushort appPort)
    {
        if (ByEndpoint.TryGetValue(destination, out var found))
        {
            (vservice, appPort) = found;
            return true;
        }

        vservice = null;
        appPort = 0;
        return false;
    }

    /// <summary>True when some vservice uses this address as its vIP, on any port.</summary>
    internal bool IsVip(uint address) => VipCounts.ContainsKey(address);

    internal VServiceSnapshot With(VService vservice)
    {
        var byEndpoint = ByEndpoint;
        foreach (VServicePortMap port in vservice.Ports)
        {
            byEndpoint = byEndpoint.SetItem(new Ipv4Endpoint(vservice.Vip, port.VirtualPort), (vservice, port.AppPort));
        }

        return new VServiceSnapshot(
            ByName.SetItem(vservice.Name, vservice),
            byEndpoint,
            VipCounts.SetItem(vservice.Vip, VipCounts.GetValueOrDefault(vservice.Vip) + 1));
    }

    internal VServiceSnapshot Without(VService vservice)
    {
        var byEndpoint = ByEndpoint;
        foreach (VServicePortMap port in vservice.Ports)
        {
            byEndpoint = byEndpoint.Remove(new Ipv4Endpoint(vservice.Vip, port.VirtualPort));
        }

        int count = VipCounts.GetValueOrDefault(vservice.Vip) - 1;
        return new VServiceSnapshot(
            ByName.Remove(vservice.Name),
            byEndpoint,
            count <= 0 ? VipCounts.Remove(vservice.Vip) : VipCounts.SetItem(vservice.Vip, count));
    }
}
