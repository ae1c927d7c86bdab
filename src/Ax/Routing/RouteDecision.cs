using Ax.Addressing;
using Ax.ServiceTable;

namespace Ax.Routing;

/// <summary>
/// Where a connect goes; <see cref="Target"/> is meaningful unless <see cref="IsRefused"/>. Carries what chose
/// it (<see cref="Service"/>, <see cref="RuleId"/>) for logs and views, and what the connect path must do
/// around the kernel connect (<see cref="Delay"/>, <see cref="Track"/>).
/// </summary>
internal readonly record struct RouteDecision(bool IsRefused, Ipv4Endpoint Target, ServiceEntry? Server)
{
    /// <summary>The node address to dial from (a vservice's --source-ip); 0 lets the kernel pick.</summary>
    internal uint SourceIp { get; init; }

    /// <summary>The service (an app's --name, a vservice's name) whose rules decided; null where no rule was consulted.</summary>
    internal string? Service { get; init; }

    /// <summary>The rule that chose the server or refused, or whose actions applied; null for the default routing.</summary>
    internal string? RuleId { get; init; }

    /// <summary>The action rule whose delay or abort applied; null where none did.</summary>
    internal string? ActionRuleId { get; init; }

    /// <summary>A delay action's wait before the connect is made; zero for none.</summary>
    internal TimeSpan Delay { get; init; }

    /// <summary>The kernel must count this connection (<see cref="IConnectionCounts.Track"/>): a policy reads its counts.</summary>
    internal bool Track { get; init; }

    /// <summary>Why a rule refused (an abort action, a connection limit, every server ejected); null otherwise.</summary>
    internal string? Reason { get; init; }

    internal static RouteDecision Refused { get; } = new(true, default, null);

    internal static RouteDecision Egress(Ipv4Endpoint destination) => new(false, destination, null);

    internal static RouteDecision ToServer(ServiceEntry server) => new(false, server.HostAddr, server);

    internal static RouteDecision To(RouteEndpoint endpoint) => new(false, endpoint.Target, endpoint.Server);
}
