using System.CommandLine;
using Ax.Daemon;

namespace Ax.Cli;

/// <summary><c>ax daemon</c>: start the node's daemon (seed 003, "Daemon").</summary>
internal static class DaemonCommand
{
    internal static Command Create()
    {
        var driver = new Option<string>("--driver")
        {
            Description = "System call forwarding driver: 'user' (seccomp user notification) or 'kernel'",
            DefaultValueFactory = _ => "user",
        };
        driver.AcceptOnlyFromAmong("user", "kernel");
        var nodeInterface = new Option<string?>("--node-interface")
        {
            Description = "Node interface for app sockets, by IP address or name, e.g. eth0 (default: the first non-loopback interface)",
        };
        var nodeName = new Option<string?>("--node-name") { Description = "Name of the node (default: the host name)" };
        var cluster = new Option<string>("--cluster")
        {
            Description = "Cluster name; required if the cluster is part of a federation",
            DefaultValueFactory = _ => "appswitch",
        };
        var ports = new Option<string>("--ports")
        {
            Description = "List (csv) of ports, or port ranges, reserved for applications",
            DefaultValueFactory = _ => ServiceTable.PortPool.DefaultText,
        };
        var restPort = new Option<int>("--rest-port")
        {
            Description = "REST API port number",
            DefaultValueFactory = _ => 6664,
        };
        restPort.Port();
        nodeInterface.NotEmpty("an interface name such as eth0 or one of the node's IPv4 addresses");
        nodeName.NotEmpty("a name for this node, or leave the flag out to use the host name");
        cluster.NotEmpty("a cluster name, or leave the flag out for 'appswitch'");
        ports.NotEmpty("ports or ranges such as 40000-60000");
        var dns = new Option<bool>("--dns")
        {
            Description = "Start the built-in DNS server on 127.0.0.11:53 in the node's namespace (default: true)",
            DefaultValueFactory = _ => true,
        };
        var dnsDomain = new Option<string>("--dns-domain")
        {
            Description = "DNS domain name suffix",
            DefaultValueFactory = _ => Dns.DnsOptions.DefaultDomain,
        };
        dnsDomain.Validators.Add(r =>
        {
            if (!Dns.DnsServerList.TryParseDomain(r.GetValueOrDefault<string>() ?? string.Empty, out _, out string? problem))
            {
                r.AddError(problem);
            }
        });
        var dnsServers = new Option<string?>("--dns-servers")
        {
            Description = "List (csv) of 'IP[:port]' strings of forwarding servers (default: the nameservers in the host's /etc/resolv.conf)",
        };
        dnsServers.Validators.Add(r =>
        {
            if (!Dns.DnsServerList.TryParse(r.GetValueOrDefault<string?>() ?? string.Empty, out _, out string? problem))
            {
                r.AddError(problem);
            }
        });
        var clean = new Option<bool>("--clean") { Description = "Remove any saved state from previous sessions (default: false, state is kept)" };

        var restartGrace = new Option<int>("--restart-grace")
        {
            Description = "Seconds apps' network calls wait for a restarting daemon before they fail with ENETDOWN",
            DefaultValueFactory = _ => Keeper.KeeperHost.DefaultGraceSeconds,
            Hidden = true,
        };
        restartGrace.Validators.Add(r =>
        {
            int value = r.GetValueOrDefault<int>();
            if (value is < 0 or > 3600)
            {
                r.AddError($"--restart-grace {value} is out of range; give seconds from 0 to 3600");
            }
        });

        var neighbors = new Option<string?>("--neighbors")
        {
            Description = "List (csv) of IP addresses (or IP:port) of cluster neighbors; this node's own address may be among them (default: none; without it or --gossip-auto-discover the node runs alone)",
        };
        neighbors.NotEmpty("a csv of the other nodes' addresses, e.g. 10.0.0.2,10.0.0.3, or leave the flag out to run single-node");
        neighbors.Validators.Add(r =>
        {
            string text = r.GetValueOrDefault<string?>() ?? string.Empty;
            if (!string.IsNullOrWhiteSpace(text) && !Cluster.NeighborList.TryParse(text, out _, out string problem))
            {
                r.AddError(problem);
            }
        });
        var gossipPort = new Option<int>("--gossip-port")
        {
            Description = "Gossip protocol port number, TCP and UDP on the node interface",
            DefaultValueFactory = _ => Cluster.SerfAgentOptions.DefaultGossipPort,
        };
        gossipPort.Port();
        var gossipAutoDiscover = new Option<bool>("--gossip-auto-discover")
        {
            Description = "Auto discover neighbors by mDNS on the node's LAN; needs a multicast route and IPv6 on the node interface (default: false)",
        };
        var gossipRpcPort = new Option<int>("--gossip-rpc-port")
        {
            Description = "Port of the gossip agent's RPC on the node's loopback",
            DefaultValueFactory = _ => Cluster.SerfAgentOptions.DefaultRpcPort,
            Hidden = true,
        };
        gossipRpcPort.Port();
        var syncPort = new Option<int>("--sync-port")
        {
            Description = "TCP port on the node interface where daemons exchange their service tables",
            DefaultValueFactory = _ => Cluster.SerfAgentOptions.DefaultSyncPort,
            Hidden = true,
        };
        syncPort.Port();
        var tls = new Option<bool>("--tls") { Description = "Enable Transport Layer Security between daemons: the service tables travel only over mutually authenticated TLS (default: false)" };
        var tlsCaCert = new Option<string?>("--tls-ca-cert") { Description = "Path to TLS CA certificate file (PEM), the CA that signed every node's certificate (default: none; needed with --tls)" };
        var tlsCert = new Option<string?>("--tls-cert") { Description = "Path to TLS certificate file (PEM) of this node (default: none; needed with --tls)" };
        var tlsKey = new Option<string?>("--tls-key") { Description = "Path to TLS key file (PEM) of this node's certificate (default: none; needed with --tls)" };
        foreach (var path in (Option<string?>[])[tlsCaCert, tlsCert, tlsKey])
        {
            path.Validators.Add(r =>
            {
                string? value = r.GetValueOrDefault<string?>();
                if (value is not null && !Path.IsPathFullyQualified(value))
                {
                    r.AddError($"{r.Option.Name} '{value}' is not an absolute path; give the file's full path, such as /etc/ssl/certs/ax.crt");
                }
            });
        }

        var command = new Command("daemon", "Start the AppSwitch daemon")
        {
            driver, nodeInterface, nodeName, cluster, ports, restPort, dns, dnsDomain, dnsServers, clean, restartGrace,
            neighbors, gossipPort, gossipAutoDiscover, gossipRpcPort, syncPort, tls, tlsCaCert, tlsCert, tlsKey,
        };
        command.Validators.Add(r =>
        {
            bool on = r.GetValue(tls);
            var missing = ((Option<string?>[])[tlsCaCert, tlsCert, tlsKey]).Where(o => r.GetValue(o) is null).Select(o => o.Name).ToList();
            if (on && missing.Count > 0)
            {
                r.AddError($"--tls needs {string.Join(", ", missing)} too: the CA's certificate, this node's certificate and its key, as absolute paths");
            }
            else if (!on && missing.Count < 3)
            {
                r.AddError("--tls-ca-cert, --tls-cert and --tls-key take effect only with --tls; add --tls or leave them out");
            }
        });
        command.SetAction((result, _) => DaemonHost.RunAsync(new DaemonOptions
        {
            Driver = result.GetValue(driver)!,
            NodeInterface = result.GetValue(nodeInterface),
            NodeName = result.GetValue(nodeName),
            Cluster = result.GetValue(cluster)!,
            Ports = result.GetValue(ports)!,
            RestPort = result.GetValue(restPort),
            Clean = result.GetValue(clean),
            Dns = result.GetValue(dns),
            DnsRequested = result.GetResult(dns) is { Implicit: false },
            DnsDomain = result.GetValue(dnsDomain)!,
            DnsServers = result.GetValue(dnsServers),
            RestartGraceSeconds = result.GetValue(restartGrace),
            Neighbors = result.GetValue(neighbors),
            GossipPort = result.GetValue(gossipPort),
            GossipAutoDiscover = result.GetValue(gossipAutoDiscover),
            GossipRpcPort = result.GetValue(gossipRpcPort),
            SyncPort = result.GetValue(syncPort),
            Tls = result.GetValue(tls),
            TlsCaCert = result.GetValue(tlsCaCert),
            TlsCert = result.GetValue(tlsCert),
            TlsKey = result.GetValue(tlsKey),
            RunDir = RunDirectory.Resolve(result.GetValue(GlobalOptions.RunDir)),
        }));
        return command;
    }
}
