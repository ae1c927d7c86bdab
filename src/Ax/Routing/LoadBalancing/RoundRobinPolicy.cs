namespace Ax.Routing.LoadBalancing;

/// <summary>
/// Every endpoint in turn (a, b, c, a, b, c ... across every client of the node), over the endpoints a backend or
/// vservice expands to, not over its listed addresses: three servers behind one vservice backend get one connect each.
/// </summary>
internal sealed class RoundRobinPolicy : ILoadBalancingPolicy
{
    internal static RoundRobinPolicy Instance { get; } = new();

    public string Name => "round_robin";

    public bool ReadsCounts => false;

    public int Pick(ReadOnlySpan<RouteEndpoint> candidates, in PickContext context) =>
        (int)(context.State.Advance(context.Cursor) % (ulong)candidates.Length);
}
