namespace Ax.Routing.Amalgam8;

/// <summary>
/// A subset of a service's servers, by <see cref="Tags"/> (labels every server of it carries), optionally
/// of another service (<see cref="Name"/>), with a share of the connections (<see cref="Weight"/>, 0 &lt; w
/// &lt;= 1; backends without one share what the weighted ones leave), a load-balancing type and resilience.
/// </summary>
internal sealed record A8Backend(string[] Tags, string? Name = null, double? Weight = null, string? LbType = null, A8Resilience? Resilience = null);
