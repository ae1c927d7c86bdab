using Ax.Addressing;

namespace Ax.ServiceTable;

/// <summary>What an app asked to bind (<see cref="VirtualAddr"/>) for a socket that ax bound to a pool port.</summary>
/// <param name="OnIpv6Loopback">An IPv6-only wildcard, which ax bound on the node's [::1] at the pool port, not at NODE-IP.</param>
internal sealed record Binding(string AppId, Ipv4Endpoint VirtualAddr, bool OnIpv6Loopback = false);
