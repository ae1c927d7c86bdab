using System.Collections.Immutable;
using Ax.Addressing;
using Ax.Contracts;

namespace Ax.VServices;

/// <summary>
/// A virtual service: a vIP and virtual ports in front of a set of backends (seed 001, "Virtual
/// Services"). Immutable but for the round-robin cursor, which every connect advances atomically.
/// </summary>
internal sealed class VService
{
    private int _cursor = -1;

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

    /// <summary>
    /// The index of the backend the next connect starts from: the next in strict rotation for
    /// RoundRobin (a, b, c, a, b, c ... across all clients of the node), a random one for Random.
    /// </summary>
    internal int NextStart()
    {
        int count = Backends.Length;
        if (LbType == LbType.Random)
        {
            return Random.Shared.Next(count);
        }

        // Unsigned modulo keeps the rotation exact when the counter wraps past int.MaxValue.
        return (int)((uint)Interlocked.Increment(ref _cursor) % (uint)count);
    }

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
