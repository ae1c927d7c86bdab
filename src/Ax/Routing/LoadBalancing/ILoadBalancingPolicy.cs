namespace Ax.Routing.LoadBalancing;

/// <summary>
/// Picks one of a backend's eligible endpoints (labels shared with the client, not ejected). A policy is chosen by
/// name (<see cref="LoadBalancingPolicies"/>) and keeps no state of its own: cursors and counts come through
/// <see cref="PickContext"/>, outside the route table, so a new table keeps the rotation where it was.
/// </summary>
internal interface ILoadBalancingPolicy
{
    /// <summary>Amalgam8's name for it (<c>lb_type</c>).</summary>
    string Name { get; }

    /// <summary>True when the pick reads the kernel's open-connection counts.</summary>
    bool ReadsCounts { get; }

    /// <summary>The index of the chosen endpoint in <paramref name="candidates"/>, which is never empty.</summary>
    int Pick(ReadOnlySpan<RouteEndpoint> candidates, in PickContext context);
}
