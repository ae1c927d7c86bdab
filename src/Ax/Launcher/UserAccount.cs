namespace Ax.Launcher;

/// <summary>A user from the passwd database, with every group it belongs to (--user).</summary>
internal sealed record UserAccount(string Name, uint Uid, uint Gid, string Home, string Shell, IReadOnlyList<uint> Groups)
{
    /// <summary>What login(1) would set for this user; the rest of the caller's environment is kept.</summary>
    internal IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["HOME"] = Home,
        ["USER"] = Name,
        ["LOGNAME"] = Name,
    };
}
