namespace Ax.Contracts;

/// <summary>
/// The first message <c>ax run</c> sends on the daemon's control socket, before it installs the
/// seccomp filter and hands the listener over.
/// </summary>
public sealed record RunRequest(
    string? Ip,
    string? Name,
    IReadOnlyList<string> Labels,
    bool NewNetns,
    IReadOnlyList<string> Command);
