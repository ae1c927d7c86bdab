using Ax.Addressing;
using Ax.Policy;
using Ax.ServiceTable;

namespace Ax.Routing;

/// <summary>
/// One place a connect can go: an ax server (<see cref="Server"/>, dialled at its host address) or, for a
/// vservice backend where no ax service listens, an external host dialled as it is (no server, no labels).
/// </summary>
internal readonly record struct RouteEndpoint(Ipv4Endpoint Target, ServiceEntry? Server)
{
    internal static RouteEndpoint Of(ServiceEntry server) => new(server.HostAddr, server);

    /// <summary>The server's labels; none for an external host.</summary>
    internal LabelSet? Labels => Server?.Labels;
}
