using System.Diagnostics.CodeAnalysis;

namespace Ax.Routing.LoadBalancing;

/// <summary>The policies by Amalgam8 name (<c>lb_type</c>); a rule's backend without one rotates (round_robin, Amalgam8's default).</summary>
internal static class LoadBalancingPolicies
{
    internal static ILoadBalancingPolicy Default => RoundRobinPolicy.Instance;

    internal static bool TryGet(string? name, [NotNullWhen(true)] out ILoadBalancingPolicy? policy)
    {
        policy = name switch
        {
            null => Default,
            "round_robin" => RoundRobinPolicy.Instance,
            "random" => RandomPolicy.Instance,
            "least_request" => LeastRequestPolicy.Instance,
            _ => null,
        };
        return policy is not null;
    }
}
