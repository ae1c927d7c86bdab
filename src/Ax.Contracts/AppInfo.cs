namespace Ax.Contracts;

/// <summary>One application running under ax on a node (a row of <c>ax get apps</c>).</summary>
public sealed record AppInfo(
    string Name,
    string AppId,
    string NodeId,
    string Cluster,
    string AppIp,
    string Driver,
    IReadOnlyList<string> Labels,
    IReadOnlyList<string> Zones,
    int Pid,
    IReadOnlyList<string> Command);
