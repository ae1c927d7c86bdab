namespace Ax.Daemon;

/// <summary>The options of <c>ax daemon</c> (seed 003, "Daemon"); each maps to one flag.</summary>
internal sealed class DaemonOptions
{
    /// <summary>--driver: the system-call forwarding driver, "user" or "kernel". Defaults to "user".</summary>
    public string Driver { get; init; } = "user";

    /// <summary>--node-interface: IP address or interface name for app sockets. Defaults to the first non-loopback interface.</summary>
    public string? NodeInterface { get; init; }

    /// <summary>--node-name: the node's name. Defaults to the host name.</summary>
    public string? NodeName { get; init; }

    /// <summary>--cluster: the cluster's name. Defaults to "appswitch".</summary>
    public string Cluster { get; init; } = "appswitch";

    /// <summary>--ports: csv of ports and ranges given to app sockets. Defaults to "40000-60000".</summary>
    public string Ports { get; init; } = ServiceTable.PortPool.DefaultText;

    /// <summary>--rest-port: the REST API's TCP port (on the node's loopback). Defaults to 6664.</summary>
    public int RestPort { get; init; } = 6664;

    /// <summary>--clean: remove state saved by an earlier daemon before starting. Defaults to false.</summary>
    public bool Clean { get; init; }

    /// <summary>--dns: run the built-in DNS server. Defaults to true.</summary>
    public bool Dns { get; init; } = true;

    /// <summary>True when --dns was given on the command line: then a DNS server that cannot listen stops the daemon instead of a warning.</summary>
    public bool DnsRequested { get; init; }

    /// <summary>--dns-domain: the DNS suffix of app names. Defaults to "appswitch.local".</summary>
    public string DnsDomain { get; init; } = Ax.Dns.DnsOptions.DefaultDomain;

    /// <summary>--dns-servers: csv of IP[:port] forwarders. Defaults to none given (null): the nameservers of the host's /etc/resolv.conf.</summary>
    public string? DnsServers { get; init; }

    /// <summary>
    /// --restart-grace (hidden; not in seed 003): how long, in seconds, apps' trapped calls wait for a
    /// daemon to come back before the keeper answers them with ENETDOWN. Defaults to 30.
    /// </summary>
    public int RestartGraceSeconds { get; init; } = Keeper.KeeperHost.DefaultGraceSeconds;

    /// <summary>
    /// --neighbors: csv of the cluster nodes to join, "ip" or "ip:port" (a port left out is this node's
    /// --gossip-port). Defaults to none (null): unless --gossip-auto-discover, the daemon runs single-node.
    /// </summary>
    public string? Neighbors { get; init; }

    /// <summary>--gossip-port: the gossip agent's TCP and UDP port on the node interface. Defaults to 7946 (Serf's).</summary>
    public int GossipPort { get; init; } = Ax.Cluster.SerfAgentOptions.DefaultGossipPort;

    /// <summary>--gossip-auto-discover: find the cluster's nodes by mDNS instead of (or besides) --neighbors. Defaults to false.</summary>
    public bool GossipAutoDiscover { get; init; }

    /// <summary>
    /// --gossip-rpc-port (hidden): the gossip agent's RPC port on the node's loopback. Defaults to 7373
    /// (Serf's); only two daemons sharing one network namespace need to set it.
    /// </summary>
    public int GossipRpcPort { get; init; } = Ax.Cluster.SerfAgentOptions.DefaultRpcPort;

    /// <summary>
    /// --sync-port (hidden): the TCP port on the node interface where daemons exchange their service tables,
    /// published to the others in the gossip agent's ax-sync tag. Defaults to 7948.
    /// </summary>
    public int SyncPort { get; init; } = Ax.Cluster.SerfAgentOptions.DefaultSyncPort;

    /// <summary>--tls: the service tables travel between daemons only over mutually authenticated TLS. Defaults to false.</summary>
    public bool Tls { get; init; }

    /// <summary>--tls-ca-cert: the PEM certificate of the CA that signed every node's certificate (an absolute path).</summary>
    public string? TlsCaCert { get; init; }

    /// <summary>--tls-cert: this node's PEM certificate (an absolute path).</summary>
    public string? TlsCert { get; init; }

    /// <summary>--tls-key: the PEM private key of <see cref="TlsCert"/> (an absolute path).</summary>
    public string? TlsKey { get; init; }

    /// <summary>--run-dir / AX_RUN_DIR: where the sockets and state live. Defaults to /var/run/appswitch.</summary>
    public required string RunDir { get; init; }
}
