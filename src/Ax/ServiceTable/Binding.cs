using Ax.Addressing;

namespace Ax.ServiceTable;

/// <summary>What an app asked to bind (<see cref="VirtualAddr"/>) for a socket that ax bound to a pool port.</summary>
internal sealed record Binding(string AppId, Ipv4Endpoint VirtualAddr);
