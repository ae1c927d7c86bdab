namespace Ax.Contracts;

/// <summary>One proxy the daemon runs (a row of <c>ax get proxies</c>).</summary>
/// <param name="Listener">The node ip:port the proxy accepts on.</param>
/// <param name="Dialers">The local addresses it dials from (0.0.0.0:0 when the kernel picks).</param>
/// <param name="Owner">What the proxy serves, as "vservice/NAME"; shown by <c>-o wide</c>.</param>
public sealed record ProxyInfo(int Id, string Proto, string Listener, IReadOnlyList<string> Dialers, string? Owner = null);
