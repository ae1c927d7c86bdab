namespace Ax.Routing.LoadBalancing;

/// <summary>One endpoint uniformly at random.</summary>
internal sealed class RandomPolicy : ILoadBalancingPolicy
{
    internal static RandomPolicy Instance { get; } = new();

    public string Name => "random";

    public bool ReadsCounts => false;

    public int Pick(ReadOnlySpan<RouteEndpoint> candidates, in PickContext context) => Random.Shared.Next(candidates.Length);
}
