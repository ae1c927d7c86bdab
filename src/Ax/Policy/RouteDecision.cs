using Ax.Addressing;
using Ax.ServiceTable;

namespace Ax.Policy;

/// <summary>Where a connect goes; <see cref="Target"/> is meaningful unless <see cref="IsRefused"/>.</summary>
internal readonly record struct RouteDecision(bool IsRefused, Ipv4Endpoint Target, ServiceEntry? Server)
{
    /// <summary>The node address to dial from (a vservice's --source-ip); 0 lets the kernel pick.</summary>
    internal uint SourceIp { get; init; }

    internal static RouteDecision Refused { get; } = new(true, default, null);

    internal static RouteDecision Egress(Ipv4Endpoint destination) => new(false, destination, null);

    internal static RouteDecision ToServer(ServiceEntry server) => new(false, server.HostAddr, server);
}
