using System.Collections.Immutable;
using Ax.Routing.Amalgam8;

namespace Ax.Routing;

/// <summary>
/// Where the routing engine reads traffic rules from: a front end (the Amalgam8 rule store today, Kubernetes
/// or Istio objects later) that owns them. The engine compiles <see cref="Rules"/> into its route table
/// whenever <see cref="Changed"/> fires; it never writes through this.
/// </summary>
internal interface IRuleSource
{
    /// <summary>Every rule in force, each with a unique non-empty <see cref="A8Rule.Id"/>, validated.</summary>
    ImmutableArray<A8Rule> Rules { get; }

    /// <summary>Raised after <see cref="Rules"/> changed; handlers must not block.</summary>
    event Action? Changed;
}
