using Ax.Addressing;

namespace Ax.Routing;

/// <summary>
/// What the kernel knows of the connections this node's apps made to a server, which the daemon cannot see
/// itself (it does not trap close() and does not see how a non-blocking connect ends): how many are open
/// now, and how many connects to it failed in a row since its last successful one. Least-request balancing,
/// connection limits and outlier ejection read it at connect time. A server is its host address
/// (node-ip:pool-port), unique across the cluster.
/// </summary>
internal interface IConnectionCounts
{
    /// <summary>
    /// Called on the connect path, before the kernel connect of <paramref name="socketFd"/> (the daemon's copy
    /// of an app socket) to <paramref name="server"/>, for connects the engine needs counted. False when the
    /// connect cannot be counted (the table is full, the kernel refused); the connect goes ahead anyway.
    /// </summary>
    bool Track(int socketFd, Ipv4Endpoint server);

    /// <summary>The counts of <paramref name="server"/>; zeros for one never tracked.</summary>
    ConnectionCounts Read(Ipv4Endpoint server);

    /// <summary><paramref name="server"/> is no longer a place connects go: its counts may be let go once it has no open connection.</summary>
    void Forget(Ipv4Endpoint server);
}
