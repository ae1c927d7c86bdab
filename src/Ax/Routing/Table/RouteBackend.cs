using Ax.Routing.LoadBalancing;

namespace Ax.Routing;

/// <summary>
/// One backend of a compiled route rule: the servers of the destination (or of the service <see cref="Name"/>)
/// that carry all of <see cref="Tags"/>, the share of connections it gets (<see cref="Weight"/>, resolved: the
/// unweighted backends of a rule split what the weighted ones leave), how one of its servers is picked, and its
/// limits. <see cref="CursorKey"/> names its round-robin state, which lives outside the table.
/// </summary>
internal sealed class RouteBackend(string[] tags, string? name, double weight, ILoadBalancingPolicy policy, int maxConnections, Ejection? ejection, CursorKey cursorKey)
{
    internal string[] Tags { get; } = tags;

    internal string? Name { get; } = name;

    internal double Weight { get; } = weight;

    internal ILoadBalancingPolicy Policy { get; } = policy;

    /// <summary><c>resilience.max_connections</c>: open connections from this node beyond which a connect is refused; 0 for no limit.</summary>
    internal int MaxConnections { get; } = maxConnections;

    internal Ejection? Ejection { get; } = ejection;

    internal CursorKey CursorKey { get; } = cursorKey;

    /// <summary>True when picking a server here reads the kernel's connection counts, so the connection must be counted.</summary>
    internal bool NeedsCounts => MaxConnections > 0 || Ejection is not null || Policy.ReadsCounts;
}
