using Ax.Addressing;
using Ax.Policy;

namespace Ax.ServiceTable;

/// <summary>
/// One listening service: what clients dial (<see cref="ServiceAddr"/>) and where the socket really is
/// (<see cref="HostAddr"/>, its node's address and a pool port), with the owner's labels for the access
/// check at connect time. <see cref="Node"/> owns the row: only that node's daemon makes, changes or
/// removes it; every other node holds a copy.
/// </summary>
internal sealed record ServiceEntry(
    Guid SocketId,
    string Node,
    string AppId,
    TransportProtocol Proto,
    Ipv4Endpoint ServiceAddr,
    Ipv4Endpoint HostAddr,
    Ipv4Endpoint BindAddr,
    LabelSet Labels,
    ulong Inode,
    int Backlog)
{
    internal ServiceId Id => new(Node, Inode);

    /// <summary>
    /// True when clients dial a virtual address (an --ip, a made-up or exposed address) rather than the
    /// node's own address, which is real: an app with no IP of its own serves at node-ip:port.
    /// </summary>
    internal bool HasVirtualAddress => ServiceAddr.Address != HostAddr.Address;

    /// <summary>When the entry was made, in <see cref="ServiceRegistry.Generation"/> ticks.</summary>
    internal long Generation { get; init; }
}
