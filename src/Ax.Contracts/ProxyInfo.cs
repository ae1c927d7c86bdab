namespace Ax.Contracts;

/// <summary>One proxy the daemon runs (a row of <c>ax get proxies</c>).</summary>
public sealed record ProxyInfo(int Id, string Proto, string Listener, IReadOnlyList<string> Dialers);
