namespace Ax.Contracts;

/// <summary>
/// What a daemon saves about one running app (run-dir/state/apps/ID.json), so that a daemon started
/// after a crash or an upgrade knows the app the keeper hands back to it.
/// </summary>
public sealed record SavedApp(
    string Id,
    string Name,
    IReadOnlyList<string> Labels,
    string Ip,
    bool HasOwnIp,
    int Pid,
    IReadOnlyList<string> Command,
    IReadOnlyList<string>? Expose = null,
    bool SharesNodeNetwork = false,
    bool KeepsHostResolver = false);
