using Ax.Apps;
using Ax.Daemon;
using Ax.Keeper;
using Ax.Policy;
using Ax.Proxies;
using Ax.ServiceTable;
using Ax.VServices;
using Microsoft.Extensions.Logging;

namespace Ax.Interception;

/// <summary>The node-wide state every app's handler shares.</summary>
internal sealed class NodeContext
{
    internal required string NodeName { get; init; }

    internal required string Cluster { get; init; }

    /// <summary>The node's address (--node-interface): app sockets are bound to it.</summary>
    internal required uint NodeIp { get; init; }

    internal required PortPool Ports { get; init; }

    internal required ServiceRegistry Services { get; init; }

    internal required BindingTable Bindings { get; init; }

    internal required AppRegistry Apps { get; init; }

    internal required ConnectRouter Router { get; init; }

    internal required ClientAddressMap Clients { get; init; }

    /// <summary>Shows servers an ax client's IP in accept, getpeername and recvfrom, in the kernel; null where it cannot run (then <see cref="Clients"/> answers getpeername).</summary>
    internal PeerAddresses.PeerAddressRewriter? PeerAddresses { get; init; }

    internal required ConnectWaiter Waiter { get; init; }

    internal required ILoggerFactory LoggerFactory { get; init; }

    /// <summary>The resolv.conf apps get with --dns-override (run-dir/resolv.conf); null when the DNS server is not running.</summary>
    internal string? ResolvConf { get; init; }

    /// <summary>Holds each app's listener while the daemon restarts.</summary>
    internal required KeeperClient Keeper { get; init; }

    /// <summary>What a restarted daemon needs to know about the running apps.</summary>
    internal required AppStateStore State { get; init; }

    /// <summary>The vservices (ax create vservice); the router reads the same registry.</summary>
    internal VServiceRegistry VServices { get; init; } = new();

    /// <summary>Which vIP:vport each client connection made through a vservice dialled, for getpeername.</summary>
    internal VServiceClientMap VServiceClients { get; init; } = new();

    /// <summary>The TCP proxies the daemon runs (external vservices), listed by ax get proxies.</summary>
    internal ProxyTable Proxies { get; init; } = new();

    /// <summary>The guard's maps, where every app socket is marked as the daemon makes it; null where the kernel cannot run the guard.</summary>
    internal Guard.GuardMaps? GuardMaps { get; init; }
}
