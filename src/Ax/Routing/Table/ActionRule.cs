using System.Collections.Immutable;

namespace Ax.Routing;

/// <summary>A compiled Amalgam8 action rule: its fault actions apply to the connects of clients <see cref="Source"/> matches.</summary>
internal sealed class ActionRule(string id, double priority, SourceMatch source, ImmutableArray<FaultAction> actions)
{
    internal string Id { get; } = id;

    internal double Priority { get; } = priority;

    internal SourceMatch Source { get; } = source;

    internal ImmutableArray<FaultAction> Actions { get; } = actions;
}
