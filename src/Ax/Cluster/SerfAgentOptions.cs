using System.Net;
using System.Net.Sockets;

namespace Ax.Cluster;

/// <summary>
/// How a daemon runs its gossip agent (Debian's <c>serf agent</c>). The agent is an implementation detail: a
/// user sets these through the daemon's flags (<c>--neighbors</c>, <c>--gossip-port</c>, <c>--cluster</c>),
/// never by hand.
/// </summary>
internal sealed class SerfAgentOptions
{
    /// <summary>The tag that carries the cluster name: Serf itself has no notion of one.</summary>
    internal const string ClusterTag = "ax-cluster";

    /// <summary>The tag that carries the daemon's port for service-table sync between daemons.</summary>
    internal const string SyncPortTag = "ax-sync";

    /// <summary>Serf's own gossip port, the default of <c>--gossip-port</c>.</summary>
    internal const int DefaultGossipPort = 7946;

    /// <summary>Serf's own RPC port, on loopback.</summary>
    internal const int DefaultRpcPort = 7373;

    /// <summary>The default port of the daemon-to-daemon table sync (hidden <c>--sync-port</c>).</summary>
    internal const int DefaultSyncPort = 7948;

    /// <summary>The serf executable. Defaults to "serf" on PATH.</summary>
    internal string SerfPath { get; init; } = "serf";

    /// <summary>
    /// Words run before the agent's own command line, e.g. <c>ip netns exec NODE</c> when the supervisor runs
    /// outside the node's namespace (tests). Defaults to none: the daemon already runs in the node's namespace.
    /// <c>ip netns exec</c> execs the command, so the supervised pid is the agent's own.
    /// </summary>
    internal IReadOnlyList<string> CommandPrefix { get; init; } = [];

    /// <summary>The node's name in the cluster; must be unique (<c>serf agent -node</c>). Required.</summary>
    internal required string NodeName { get; init; }

    /// <summary>The node's address, where the agent gossips (<c>-bind</c>). Required.</summary>
    internal required IPAddress BindAddress { get; init; }

    /// <summary>The gossip port, TCP and UDP (<c>--gossip-port</c>). Defaults to 7946, Serf's own.</summary>
    internal int GossipPort { get; init; } = DefaultGossipPort;

    /// <summary>
    /// The agent's RPC address (<c>-rpc-addr</c>). Defaults to 127.0.0.1:7373, Serf's own: the daemon runs
    /// inside its node's network namespace, so loopback is the node's own and no other node can reach it.
    /// Several daemons sharing one namespace would each need their own port.
    /// </summary>
    internal IPEndPoint RpcAddress { get; init; } = new(IPAddress.Loopback, DefaultRpcPort);

    /// <summary>
    /// Serf's timing profile (<c>-profile</c>). Defaults to "lan". Measured here with three nodes: a killed
    /// agent is declared failed after ~5.7 s with "lan" and ~4.8 s with "local"; "local" gets that second by
    /// probing with shorter timeouts, which on a loaded machine (namespaces sharing two cores) or a real LAN
    /// suspects live nodes sooner. "lan" is what Serf and Consul run on a LAN, and meets the 7 s failure target.
    /// </summary>
    internal string Profile { get; init; } = "lan";

    /// <summary>The cluster's name (<c>--cluster</c>), carried in the <see cref="ClusterTag"/> tag. Defaults to "appswitch".</summary>
    internal string ClusterName { get; init; } = "appswitch";

    /// <summary>The daemon's sync port, published in the <see cref="SyncPortTag"/> tag when set. Defaults to none.</summary>
    internal int? SyncPort { get; init; }

    /// <summary>More tags to start with. Tags take at most 512 bytes in all (Serf's limit). Defaults to none.</summary>
    internal IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Nodes to join (<c>--neighbors</c>): "ip" or "ip:port". Each goes to <c>-retry-join</c>, so one that is
    /// down is retried every <see cref="RetryInterval"/> until it answers, and never stops the agent (plain
    /// <c>-join</c> exits when no neighbor answers). Defaults to none: the node waits for others to join it.
    /// </summary>
    internal IReadOnlyList<string> Neighbors { get; init; } = [];

    /// <summary>
    /// Find the cluster's other agents by mDNS (<c>--gossip-auto-discover</c>; <c>-discover CLUSTER</c>, so
    /// only agents of the same cluster name answer). Needs a multicast route in the node's namespace
    /// (<see cref="MulticastRoute"/>). Defaults to false.
    /// </summary>
    internal bool Discover { get; init; }

    /// <summary>How often unanswered neighbors are tried again (<c>-retry-interval</c>). Defaults to 2 s (Serf's is 30 s).</summary>
    internal TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A base64 key of 32 bytes that encrypts and authenticates the gossip (<c>-encrypt</c>). Defaults to none:
    /// gossip in clear text.
    /// </summary>
    internal string? EncryptKey { get; init; }

    /// <summary>The agent's log level (<c>-log-level</c>). Defaults to "info".</summary>
    internal string LogLevel { get; init; } = "info";

    /// <summary>How long the agent may take to answer on its RPC address after it starts. Defaults to 15 s.</summary>
    internal TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The first delay before restarting an agent that died; doubled each time, up to 30 s. Defaults to 1 s.</summary>
    internal TimeSpan RestartBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Where the running agent's pid is kept (the daemon passes a file in its run directory). A daemon that
    /// crashed (SIGKILL, OOM) could not stop its agent, which then holds the gossip and RPC ports; the next
    /// start kills that agent first, after checking /proc that the pid is still a serf agent of this node.
    /// Defaults to none.
    /// </summary>
    internal string? PidFile { get; init; }

    /// <summary>Makes RPC sockets when they must come from another network namespace (tests). Defaults to none.</summary>
    internal Func<Socket>? RpcSocketFactory { get; init; }

    /// <summary>The agent's command line, after <see cref="CommandPrefix"/>.</summary>
    internal IReadOnlyList<string> Arguments()
    {
        var args = new List<string>
        {
            "agent",
            $"-node={NodeName}",
            $"-bind={BindAddress}:{GossipPort}",
            $"-rpc-addr={RpcAddress}",
            $"-profile={Profile}",
            $"-log-level={LogLevel}",
            "-tag", $"{ClusterTag}={ClusterName}",
        };
        if (SyncPort is int port)
        {
            args.AddRange(["-tag", $"{SyncPortTag}={port}"]);
        }

        foreach (var pair in Tags)
        {
            args.AddRange(["-tag", $"{pair.Key}={pair.Value}"]);
        }

        foreach (string neighbor in Neighbors)
        {
            args.Add($"-retry-join={neighbor}");
        }

        if (Neighbors.Count > 0)
        {
            args.Add($"-retry-interval={(int)Math.Max(1, RetryInterval.TotalMilliseconds)}ms");
        }

        if (Discover)
        {
            args.Add($"-discover={ClusterName}");
        }

        if (EncryptKey is not null)
        {
            args.Add($"-encrypt={EncryptKey}");
        }

        return args;
    }
}
