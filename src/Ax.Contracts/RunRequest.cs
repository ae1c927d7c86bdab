namespace Ax.Contracts;

/// <summary>
/// The first message <c>ax run</c> sends on the daemon's control socket, before it installs the
/// seccomp filter and hands the listener over.
/// </summary>
/// <param name="Expose">The --expose rules as the user wrote them (<c>8000:9999</c>, <c>8000:NODE-IP:9999</c>).</param>
/// <param name="KeepHostResolver">--dns-override=false: the app's DNS queries go where its resolv.conf says, never to ax's server.</param>
public sealed record RunRequest(
    string? Ip,
    string? Name,
    IReadOnlyList<string> Labels,
    bool NewNetns,
    IReadOnlyList<string> Command,
    IReadOnlyList<string>? Expose = null,
    bool KeepHostResolver = false);
