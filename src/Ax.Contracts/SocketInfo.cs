namespace Ax.Contracts;

/// <summary>One socket that ax bound on behalf of an application (a row of <c>ax get sockets</c>).</summary>
public sealed record SocketInfo(
    string Id,
    string NodeId,
    string AppId,
    ulong Inode,
    string Proto,
    int Flags,
    string BindIp,
    int Backlog);
