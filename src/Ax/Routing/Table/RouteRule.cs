using System.Collections.Immutable;

namespace Ax.Routing;

/// <summary>A compiled Amalgam8 route rule: for clients <see cref="Source"/> matches, pick among <see cref="Backends"/> by weight.</summary>
internal sealed class RouteRule(string id, double priority, SourceMatch source, ImmutableArray<RouteBackend> backends)
{
    internal string Id { get; } = id;

    internal double Priority { get; } = priority;

    internal SourceMatch Source { get; } = source;

    internal ImmutableArray<RouteBackend> Backends { get; } = backends;
}
