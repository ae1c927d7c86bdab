namespace Ax.Routing.LoadBalancing;

/// <summary>
/// Amalgam8's <c>least_request</c>, which a connect-time router can only see as least connections: the endpoint with
/// the fewest connections this node's apps hold open to it (the kernel's count, <see cref="IConnectionCounts"/>).
/// Ties go round the endpoints in turn, so idle servers share new connects evenly rather than the first taking all.
/// An external host (no ax server) is counted like any other target.
/// </summary>
internal sealed class LeastRequestPolicy : ILoadBalancingPolicy
{
    internal static LeastRequestPolicy Instance { get; } = new();

    public string Name => "least_request";

    public bool ReadsCounts => true;

    public int Pick(ReadOnlySpan<RouteEndpoint> candidates, in PickContext context)
    {
        int start = (int)(context.State.Advance(context.Cursor) % (ulong)candidates.Length);
        int best = start;
        int fewest = int.MaxValue;
        for (int i = 0; i < candidates.Length; i++)
        {
            int index = (start + i) % candidates.Length;
            int open = context.Counts.Read(candidates[index].Target).Open;
            if (open < fewest)
            {
                fewest = open;
                best = index;
            }
        }

        return best;
    }
}
