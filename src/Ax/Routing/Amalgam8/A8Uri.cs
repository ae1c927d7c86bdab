namespace Ax.Routing.Amalgam8;

/// <summary>A request URI rewrite (per request: stored, not enforced at connect time).</summary>
internal sealed record A8Uri(string? Path = null, string? Prefix = null, string? PrefixRewrite = null);
