namespace Ax.Contracts;

/// <summary>One row of the saved service table: a listening socket of an app, known by its inode.</summary>
public sealed record SavedService(
    string AppId,
    string Proto,
    string ServiceAddr,
    string HostAddr,
    string BindAddr,
    ulong Inode,
    int Backlog);
