using Ax.Addressing;
using Ax.Policy;

namespace Ax.ServiceTable;

/// <summary>
/// One listening service: what clients dial (<see cref="ServiceAddr"/>) and where the socket really is
/// (<see cref="HostAddr"/>), with the owner's labels for the access check at connect time.
/// </summary>
internal sealed record ServiceEntry(
    Guid SocketId,
    string AppId,
    TransportProtocol Proto,
    Ipv4Endpoint ServiceAddr,
    Ipv4Endpoint HostAddr,
    Ipv4Endpoint BindAddr,
    LabelSet Labels,
    ulong Inode,
    int Backlog)
{
    /// <summary>When the entry was made, in <see cref="ServiceRegistry.Generation"/> ticks.</summary>
    internal long Generation { get; init; }
}
