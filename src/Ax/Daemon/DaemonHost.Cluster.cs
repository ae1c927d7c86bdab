using System.Net;
using System.Net.NetworkInformation;
using Ax.Addressing;
using Ax.Cli;
using Ax.Cluster;
using Ax.Cluster.Sync;
using Microsoft.Extensions.Logging;

namespace Ax.Daemon;

internal static partial class DaemonHost
{
    /// <summary>
    /// Starts this node's gossip agent and membership (<see cref="ClusterGossip"/>) when the daemon was given
    /// --neighbors or --gossip-auto-discover; otherwise returns null and the daemon runs single-node. An
    /// agent that cannot start at all stops the daemon with the agent's one sentence; neighbors that are
    /// down do not (the agent retries them).
    /// </summary>
    private static async Task<ClusterGossip?> StartGossipAsync(DaemonOptions options, string nodeName, uint nodeIp, ILoggerFactory loggerFactory)
    {
        IReadOnlyList<Neighbor> neighbors = [];
        if (options.Neighbors is not null && !NeighborList.TryParse(options.Neighbors, out neighbors, out string problem))
        {
            throw new CliException(problem, 2);
        }

        if (options.Neighbors is null && !options.GossipAutoDiscover)
        {
            return null;
        }

        if (options.GossipPort == options.SyncPort)
        {
            throw new CliException($"--gossip-port {options.GossipPort} is also the table sync port (--sync-port); give the gossip another port", 2);
        }

        var logger = loggerFactory.CreateLogger("Ax.Cluster");
        var address = Ipv4Endpoint.ToIPAddress(nodeIp);
        if (options.GossipAutoDiscover && await DiscoveryProblemAsync(address) is string why)
        {
            Log.DiscoveryUnavailable(logger, why);
        }

        var agentOptions = new SerfAgentOptions
        {
            NodeName = nodeName,
            BindAddress = address,
            GossipPort = options.GossipPort,
            RpcAddress = new IPEndPoint(IPAddress.Loopback, options.GossipRpcPort),
            ClusterName = options.Cluster,
            SyncPort = options.SyncPort,

            // Every node may be given the same list, itself included (seed 003): joining oneself is skipped.
            Neighbors = [.. neighbors.Where(n => !n.IsSelf(address, options.GossipPort)).Select(n => n.JoinAddress(options.GossipPort))],
            Discover = options.GossipAutoDiscover,
            PidFile = Path.Combine(options.RunDir, "serf.pid"),
        };
        try
        {
            return await ClusterGossip.StartAsync(agentOptions, logger);
        }
        catch (SerfAgentException error)
        {
            throw new CliException(error.Message);
        }
    }

    /// <summary>The --tls files, loaded and checked (the key matches, the CA signed the certificate); null without --tls.</summary>
    private static SyncTls? LoadTls(DaemonOptions options) =>
        !options.Tls ? null
        : SyncTls.TryLoad(options.TlsCaCert!, options.TlsCert!, options.TlsKey!, out string? problem) ?? throw new CliException(problem!, 2);

    /// <summary>
    /// Starts the table sync of a node in a cluster: this node's apps, services and vservices are served at
    /// node-IP:--sync-port to every other member, and every other member's land in this node's tables (keyed
    /// by that node, so no peer touches another's rows). With --tls, only over mutually authenticated TLS.
    /// </summary>
    private static ClusterTableSync StartTableSync(
        DaemonOptions options,
        SyncTls? tls,
        string nodeName,
        uint nodeIp,
        ClusterGossip gossip,
        LocalNodeTable local,
        PeerTableSink sink,
        ILoggerFactory loggerFactory)
    {
        var syncOptions = new SyncOptions
        {
            Port = options.SyncPort,
            ListenAddress = Ipv4Endpoint.ToIPAddress(nodeIp),
            WrapStream = tls is null ? null : tls.WrapAsync,
        };
        var sync = new ClusterTableSync(syncOptions, local, new ClusterSyncMembership(gossip.Membership), sink, loggerFactory.CreateLogger("Ax.Cluster.Sync"));
        try
        {
            sync.Start();
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            throw new CliException($"cannot serve the service table at {Ipv4Endpoint.FormatAddress(nodeIp)}:{options.SyncPort} ({ex.SocketErrorCode}); stop what uses that port or give the daemon another --sync-port");
        }

        Log.TableSyncStarted(loggerFactory.CreateLogger("Ax.Cluster"), nodeName, Ipv4Endpoint.FormatAddress(nodeIp), options.SyncPort, options.Tls ? "mutual TLS" : "clear text");
        return sync;
    }

    /// <summary>A member's IPv4 address by its node name, as its gossip agent announces it; null for none.</summary>
    private static uint? MemberAddress(ClusterGossip gossip, string node)
    {
        foreach (ClusterMember member in gossip.Membership.Current.Members)
        {
            if (member.Name == node && Ipv4Endpoint.TryFromIPAddress(member.Address, out uint address))
            {
                return address;
            }
        }

        return null;
    }

    /// <summary>
    /// Why mDNS discovery cannot work here, or null. The agent polls once at start and then once a minute,
    /// so an IPv6 link-local address still tentative (a link that just came up, as at boot) would cost the
    /// first minute: that one problem is waited out for up to 3 s, since duplicate address detection takes
    /// about one second by default (dad_transmits 1, retrans_time 1000 ms; ip-sysctl.rst).
    /// </summary>
    private static async Task<string?> DiscoveryProblemAsync(IPAddress address)
    {
        var nic = NetworkInterface.GetAllNetworkInterfaces()
            .FirstOrDefault(i => i.GetIPProperties().UnicastAddresses.Any(u => u.Address.Equals(address)));
        string name = nic?.Name ?? "eth0";
        if (MulticastRoute.Ipv4Problem(address, name) is string problem)
        {
            return problem;
        }

        int index = nic?.GetIPProperties().GetIPv6Properties()?.Index ?? 0;
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(3);
        while (MulticastRoute.Ipv6Problem(name, index) is string ipv6)
        {
            if (DateTime.UtcNow >= deadline)
            {
                return ipv6;
            }

            await Task.Delay(100);
        }

        return null;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 959, Level = LogLevel.Information, Message = "Node {Node} serves its part of the service table at {NodeIp}:{Port} ({Transport}) and follows every other member's")]
        internal static partial void TableSyncStarted(ILogger logger, string node, string nodeIp, int port, string transport);

        [LoggerMessage(EventId = 933, Level = LogLevel.Warning, Message = "{Reason}")]
        internal static partial void DiscoveryUnavailable(ILogger logger, string reason);
    }
}
