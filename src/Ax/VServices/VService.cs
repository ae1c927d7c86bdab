using System.Collections.Immutable;
using Ax.Addressing;
using Ax.Contracts;

namespace Ax.VServices;

/// <summary>
/// A virtual service: a vIP and virtual ports in front of a set of backends (seed 001, "Virtual
/// Services"). Immutable: the round-robin rotation is the routing engine's (Routing/PolicyState.cs).
/// </summary>
internal sealed class VService
{
    internal VService(string name, LbType lbType, uint vip, ImmutableArray<VServicePortMap> ports, ImmutableArray<VServiceBackend> backends, bool external, uint sourceIp)
    {
        Name = name;
        LbType = lbType;
        Vip = vip;
        Ports = ports;
        Backends = backends;
        External = external;
        SourceIp = sourceIp;
    }

    internal string Name { get; }

    /// <summary>The node whose daemon created it, the only one that changes or deletes it; every node serves it.</summary>
    internal string Node { get; init; } = string.Empty;

    internal LbType LbType { get; }

    internal uint Vip { get; }

    internal ImmutableArray<VServicePortMap> Ports { get; }

    internal ImmutableArray<VServiceBackend> Backends { get; }

    internal bool External { get; }

    /// <summary>The host address the node's proxy dials from; 0 lets the kernel pick.</summary>
    internal uint SourceIp { get; }

    /// <summary>The same vservice, owned by <paramref name="node"/>.</summary>
    internal VService OwnedBy(string node) => new(Name, LbType, Vip, Ports, Backends, External, SourceIp) { Node = node };

    internal VServiceInfo ToInfo() => new(
        Name,
        LbType.ToString(),
        Ipv4Endpoint.FormatAddress(Vip),
        [.. Ports.Select(p => new VServicePort(p.VirtualPort, p.AppPort))],
        [.. Backends.Select(b => b.ToString())],
        External,
        SourceIp == 0 ? null : Ipv4Endpoint.FormatAddress(SourceIp),
        Node.Length == 0 ? null : Node);
}
