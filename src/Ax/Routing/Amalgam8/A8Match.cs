namespace Ax.Routing.Amalgam8;

/// <summary>When a rule applies: the client (<see cref="Source"/>) and request headers (not visible at connect time).</summary>
internal sealed record A8Match(A8Source? Source = null, Dictionary<string, string>? Headers = null);
