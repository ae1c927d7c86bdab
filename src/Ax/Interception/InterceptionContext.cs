using Ax.Addressing;
using Ax.Apps;
using Ax.Policy;
using Ax.Routing;
using Ax.ServiceTable;
using Ax.VServices;
using Microsoft.Extensions.Logging;

namespace Ax.Interception;

/// <summary>
/// What the handlers of apps' trapped calls read and write, shared by every app's session: the node's
/// identity, its tables, the router, and where servers learn what their clients are shown as. App
/// admission, restore and teardown are not here: <see cref="AppLifecycle"/> owns them.
/// </summary>
internal sealed class InterceptionContext
{
    internal required string NodeName { get; init; }

    /// <summary>The node's address (--node-interface): app sockets are bound to it.</summary>
    internal required uint NodeIp { get; init; }

    internal required PortPool Ports { get; init; }

    /// <summary>The cluster's service table; the handlers write this node's rows.</summary>
    internal required ServiceRegistry Services { get; init; }

    internal required BindingTable Bindings { get; init; }

    internal required AppRegistry Apps { get; init; }

    internal required RoutingEngine Router { get; init; }

    internal required ClientAddressMap Clients { get; init; }

    /// <summary>Shows servers an ax client's IP in accept, getpeername and recvfrom, in the kernel; null where it cannot run (then <see cref="Clients"/> answers getpeername).</summary>
    internal PeerAddresses.PeerAddressRewriter? PeerAddresses { get; init; }

    internal required ConnectWaiter Waiter { get; init; }

    internal required ILoggerFactory LoggerFactory { get; init; }

    /// <summary>The vservices (ax create vservice); the router reads the same registry.</summary>
    internal VServiceRegistry VServices { get; init; } = new();

    /// <summary>Which vIP:vport each client connection made through a vservice dialled, for getpeername.</summary>
    internal VServiceClientMap VServiceClients { get; init; } = new();

    /// <summary>The guard's maps, where every app socket is marked as the daemon makes it; null where the kernel cannot run the guard.</summary>
    internal Guard.GuardMaps? GuardMaps { get; init; }

    /// <summary>Where ax's DNS server listens on the node; null when it does not run (--dns=false, or its address was taken).</summary>
    internal Ipv4Endpoint? DnsServer { get; init; }
}
