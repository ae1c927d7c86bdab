namespace Ax.Contracts;

/// <summary>The daemon's answer to a <see cref="RunRequest"/>: an app id, or one sentence saying why not.</summary>
/// <param name="AppId">The new app's id, when accepted.</param>
/// <param name="Error">Why the app was not accepted.</param>
/// <param name="NodeIp">The node's IP, which <c>ax run --interface</c> puts on the app's interface.</param>
/// <param name="ResolvConf">The resolv.conf that points at the daemon's DNS server, for --dns-override; null when the daemon runs no DNS server.</param>
public sealed record RunReply(string? AppId, string? Error, string? NodeIp = null, string? ResolvConf = null);
