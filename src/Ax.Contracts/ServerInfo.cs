namespace Ax.Contracts;

/// <summary>One listening service in the service table (a row of <c>ax get servers</c>).</summary>
/// <param name="ServiceAddr">The virtual ip:port that clients under ax connect to.</param>
/// <param name="Ipv4Addr">The node ip:port the service is really bound to.</param>
public sealed record ServerInfo(
    string NodeId,
    string Cluster,
    string AppId,
    string Proto,
    string ServiceAddr,
    string Ipv4Addr,
    IReadOnlyList<string> Labels);
