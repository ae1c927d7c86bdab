namespace Ax.Cluster.Sync;

/// <summary>A service (a listening or bound socket of an app) on a node, as its daemon announces it.</summary>
/// <param name="Socket">The owner's socket inode, for display; not a key (inodes repeat across nodes).</param>
/// <param name="SocketId">The socket's id, unique on its node; the key of the row.</param>
/// <param name="AppId">The app that owns it (<see cref="SyncApp.Id"/>).</param>
/// <param name="Proto"><c>tcp</c> or <c>udp</c>.</param>
/// <param name="ServiceAddr">The address clients ask for (<c>ip:port</c>).</param>
/// <param name="HostAddr">Where the node really serves it (<c>node-ip:pool-port</c>); cross-node connects go here.</param>
/// <param name="BindAddr">The address the app bound (<c>ip:port</c>).</param>
/// <param name="Labels">The service's labels, <c>key=value</c>.</param>
/// <param name="Backlog">The app's listen backlog (0 for udp).</param>
internal sealed record SyncService(ulong Socket, string SocketId, string AppId, string Proto, string ServiceAddr, string HostAddr, string BindAddr, string[] Labels, int Backlog)
{
    /// <summary>Value equality, labels included (a record compares arrays by reference).</summary>
    public bool Equals(SyncService? other) =>
        other is not null && Socket == other.Socket && SocketId == other.SocketId && AppId == other.AppId && Proto == other.Proto &&
        ServiceAddr == other.ServiceAddr && HostAddr == other.HostAddr && BindAddr == other.BindAddr && Backlog == other.Backlog &&
        Labels.AsSpan().SequenceEqual(other.Labels);

    public override int GetHashCode() => HashCode.Combine(SocketId, AppId, ServiceAddr, HostAddr);
}
