using System.Net;
using System.Net.Sockets;
using Ax.Addressing;
using Ax.Api;
using Ax.Api.Http;
using Ax.Apps;
using Ax.Cli;
using Ax.Cluster;
using Ax.Cluster.Sync;
using Ax.Contracts;
using Ax.Control;
using Ax.Dns;
using Ax.Guard;
using Ax.Interception;
using Ax.Keeper;
using Ax.Logging;
using Ax.PeerAddresses;
using Ax.Policy;
using Ax.Proxies;
using Ax.Routing;
using Ax.Routing.Health;
using Ax.Routing.Rules;
using Ax.ServiceTable;
using Ax.VServices;
using Microsoft.Extensions.Logging;

namespace Ax.Daemon;

/// <summary><c>ax daemon</c>: checks the machine, takes the run directory, and serves apps, the control socket and the REST API.</summary>
internal static partial class DaemonHost
{
    internal static async Task<int> RunAsync(DaemonOptions options)
    {
        CheckPrerequisites(options);
        try
        {
            Directory.CreateDirectory(options.RunDir);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot create the run directory {options.RunDir}; give a writable --run-dir (or AX_RUN_DIR)");
        }

        using var runDirLock = RunDirectoryLock.Acquire(options.RunDir);
        if (options.Clean)
        {
            DaemonState.Clean(options.RunDir);
        }

        if (!PortPool.TryParse(options.Ports, out PortPool? ports, out string? portsProblem))
        {
            throw new CliException(portsProblem, 2);
        }

        // --tls files are checked before anything starts, so a bad one is one sentence and exit 2 (DaemonHost.Cluster.cs).
        using SyncTls? tls = LoadTls(options);

        uint nodeIp = NodeAddress.Resolve(options.NodeInterface);
        string nodeName = options.NodeName ?? System.Net.Dns.GetHostName();

        using ILoggerFactory loggerFactory = LineConsoleLoggerProvider.CreateFactory();
        var logger = loggerFactory.CreateLogger("Ax.Daemon");
        string apiSocket = RunDirectory.ApiSocket(options.RunDir);
        string controlSocket = RunDirectory.ControlSocket(options.RunDir);
        File.Delete(apiSocket);
        File.Delete(controlSocket);

        var services = new ServiceRegistry(nodeName);
        var bindings = new BindingTable();
        var apps = new AppRegistry();
        var vservices = new VServiceRegistry();
        var proxies = new ProxyTable();
        using DnsServer? dns = StartDns(options, [new AppNameSource(apps), vservices], loggerFactory.CreateLogger("Ax.Dns"));
        using var waiter = new ConnectWaiter(loggerFactory.CreateLogger("Ax.Interception"));
        using var keeper = new KeeperClient(options.RunDir, options.RestartGraceSeconds, loggerFactory.CreateLogger("Ax.Keeper"));
        var state = new AppStateStore(options.RunDir);

        // The second line behind the seccomp filter (Guard/SocketGuard.cs): app sockets are marked as
        // they are made, and only this daemon may connect or bind them. Started before any app is
        // served, so that the sockets of apps restored below are judged with this daemon's pid.
        using SocketGuard? socketGuard = SocketGuard.Start(options.RunDir, loggerFactory.CreateLogger("Ax.Guard"));

        // Attached before the UDP send guard (below), so that a reply to a client's IP is turned into
        // one to the node address before the guard judges it (PeerAddresses/PeerAddressRewriter.cs).
        using PeerAddressRewriter? peerAddresses = PeerAddressRewriter.Start(nodeIp, options.RunDir, apps, socketGuard?.Maps, loggerFactory.CreateLogger("Ax.PeerAddresses"));

        // The kernel counts apps' open connections and failed connects per server, for least_request,
        // max_connections and outlier ejection (Routing/Health/ConnectionTracker.cs); it warns once and
        // is null where the kernel cannot, and the engine then reads NoConnectionCounts.
        using ConnectionTracker? connectionTracker = ConnectionTracker.Start(options.RunDir, loggerFactory.CreateLogger("Ax.Routing"));
        // Amalgam8 rules (Routing/Rules/RuleStore.cs), this node's restored before any connect is routed;
        // the routing engine reads them, and peers' copies, through IRuleSource.
        var resources = new DaemonState(options.RunDir, logger);
        var ruleStore = new RuleStore(nodeName, resources, loggerFactory.CreateLogger("Ax.Rules"));
        ruleStore.Restore();
        var router = new RoutingEngine(services, apps, nodeIp, vservices, ruleStore, connectionTracker);
        var interception = new InterceptionContext
        {
            NodeName = nodeName,
            NodeIp = nodeIp,
            Ports = ports,
            Services = services,
            Bindings = bindings,
            Apps = apps,
            Router = router,
            Clients = new ClientAddressMap(),
            PeerAddresses = peerAddresses,
            Waiter = waiter,
            LoggerFactory = loggerFactory,
            VServices = vservices,
            GuardMaps = socketGuard?.Maps,
            DnsServer = dns?.Listen,
        };
        var lifecycle = new AppLifecycle(interception, keeper, state, loggerFactory.CreateLogger("Ax.Apps"));
        string? resolvConf = dns is null ? null : ResolvConf.Write(options.RunDir, dns.Options);
        var vserviceManager = new VServiceManager(vservices, router, proxies, nodeIp, resources, loggerFactory.CreateLogger("Ax.VServices"), nodeName);
        vserviceManager.Restore();
        var routes = new HttpRouter(RestApi.NoRoute);
        VServiceEndpoints.Map(routes, vserviceManager);

        RuleEndpoints.Map(routes, ruleStore);

        var nodeInfo = new NodeInfo(nodeName, options.Cluster, Ipv4Endpoint.FormatAddress(nodeIp), options.Driver, options.RestPort, ports.Text, Environment.ProcessId);
        RestApi.Map(routes, new ResourceViews(nodeName, options.Cluster, apps, services, proxies), nodeInfo);
        ILogger apiLogger = loggerFactory.CreateLogger("Ax.Api");
        using var api = new HttpServer(new HttpServerOptions(), ErrorResponses.Guard(routes.Dispatch, apiLogger), apiLogger);

        if (SeqpacketSocket.TryListen(controlSocket, out SeqpacketSocket? controlListener) is var error && error != Errno.None)
        {
            throw new CliException($"cannot listen on {controlSocket} ({error}); check that the run directory is writable");
        }

        // Apps may run as any user (--new-netns=false needs no root), so anyone may introduce an app.
        Interop.Libc.Chmod(controlSocket, 0x1b6 /* 0666 */);
        using var namespaces = new NamespacePool(loggerFactory.CreateLogger("Ax.Control"));
        namespaces.Start();
        // The sweep asks the kernel for live sockets only after an app closed a listener or UDP socket (ServiceTable/SocketReleaseWatch.cs).
        ILogger tableLogger = loggerFactory.CreateLogger("Ax.ServiceTable");
        using SocketReleaseWatch? releases = SocketReleaseWatch.Start(socketGuard, tableLogger);
        using var sweeper = new ListenerSweeper(services, bindings, tableLogger, TimeProvider.System, ListenerSweeper.DefaultPeriod, releases is null ? null : () => releases.Releases);

        try
        {
            api.ListenUnix(apiSocket);
        }
        catch (SocketException ex)
        {
            throw new CliException($"cannot listen on {apiSocket} ({ex.SocketErrorCode}); check that the run directory is writable");
        }

        try
        {
            api.ListenTcp(new IPEndPoint(IPAddress.Loopback, options.RestPort));
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new CliException($"the REST port {options.RestPort} is already in use on this node; stop what uses it or pass --rest-port with a free port");
        }

        // Only with --neighbors or --gossip-auto-discover (DaemonHost.Cluster.cs); null runs single-node.
        await using ClusterGossip? gossip = await StartGossipAsync(options, nodeName, nodeIp, loggerFactory);

        // --expose internal:NODE-IP:port may name any node of the cluster (that node serves it: Proxies/RemoteExposures.cs).
        Func<uint, bool>? isClusterNode = gossip is null ? null : ip => gossip.Membership.Current.Members.Any(m => Ipv4Endpoint.TryFromIPAddress(m.Address, out uint address) && address == ip);
        using var control = new ControlServer(controlListener!, lifecycle, nodeIp, resolvConf, loggerFactory.CreateLogger("Ax.Control"), namespaces, isClusterNode);
        NodeViews.Map(routes, new NodeViews(nodeInfo, gossip));
        Interop.Libc.Chmod(apiSocket, 0x1b6 /* 0666 */);
        api.Start();
        using var shutdown = new ShutdownSignal();

        // UDP sendmsg/sendmmsg with an address is not trapped; a cgroup BPF program refuses those sends
        // from app sockets to ax's destinations (Guard/UdpSendGuard.cs). Attached before any app is served,
        // filled from the tables as the restore below fills them; null where the kernel cannot run it.
        using UdpSendGuard? udpGuard = socketGuard is null ? null : UdpSendGuard.Start(socketGuard, nodeIp, services, apps, vservices, loggerFactory.CreateLogger("Ax.Guard"));

        // Only a daemon that is sure to run touches the keeper (one refused for a busy run directory or
        // REST port has exited by now). The keeper holds every app's seccomp listener while no daemon
        // runs (see KeeperHost): with --clean it disowns them, otherwise this daemon takes them back.
        keeper.Connect();
        if (socketGuard is not null)
        {
            // The keeper keeps this guard in force should this daemon die, and drops its predecessor's.
            keeper.HoldGuard(socketGuard.Links);
        }

        if (options.Clean)
        {
            keeper.Clear();
        }
        else
        {
            lifecycle.Restore(keeper.TakeAll());
        }

        // Started only now, so it cannot overwrite the saved table before the restore has read it.
        using var saver = new ServiceTableSaver(services, bindings, state, logger, TimeProvider.System, ServiceTableSaver.DefaultPeriod);
        // Ports apps on other nodes expose on this node (--expose internal:0.0.0.0:port); none on a lone node.
        using var remoteExposures = new RemoteExposures(nodeName, nodeIp, apps, services, proxies, loggerFactory.CreateLogger("Ax.Proxies"));

        // In a cluster: this node's part of the table goes to every other member, and theirs comes here.
        using LocalNodeTable? localTable = gossip is null ? null : new LocalNodeTable(nodeName, options.Cluster, ClusterTableSync.NewIncarnation(), apps, services, vservices, vserviceManager, ruleStore);
        await using ClusterTableSync? tableSync = gossip is null ? null : StartTableSync(
            options, tls, nodeName, nodeIp, gossip, localTable!, new PeerTableSink(nodeName, apps, services, vserviceManager, loggerFactory.CreateLogger("Ax.Cluster"), node => MemberAddress(gossip, node), ruleStore), loggerFactory);
        keeper.StartWatching();
        control.Start();
        Log.Started(logger, nodeName, Ipv4Endpoint.FormatAddress(nodeIp), options.RunDir, options.RestPort, ports.Text);

        await shutdown.Task;
        Log.Stopping(logger);
        File.Delete(controlSocket);
        File.Delete(apiSocket);
        return 0;
    }

    private static void CheckPrerequisites(DaemonOptions options)
    {
        if (options.Driver == "kernel")
        {
            throw new CliException("the kernel driver is not available yet; use --driver user (the default), which needs no kernel module", 2);
        }

        if (options.Driver != "user")
        {
            throw new CliException($"unknown --driver '{options.Driver}'; use 'user' (the default) or 'kernel'", 2);
        }

        if (Interop.Libc.GetEuid() != 0)
        {
            throw new CliException("ax daemon must run as root: it creates sockets for apps and reads their system-call arguments; run it with sudo");
        }

        string actions = File.Exists("/proc/sys/kernel/seccomp/actions_avail") ? File.ReadAllText("/proc/sys/kernel/seccomp/actions_avail") : string.Empty;
        if (!actions.Contains("user_notif", StringComparison.Ordinal))
        {
            throw new CliException("this kernel does not offer seccomp user notification (Linux 5.9 or later with CONFIG_SECCOMP_FILTER); ax cannot take over apps' network calls here");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "ax daemon on node {NodeName} ({NodeIp}); run directory {RunDir}, REST port {RestPort}, app ports {Ports}")]
        internal static partial void Started(ILogger logger, string nodeName, string nodeIp, string runDir, int restPort, string ports);

        [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "ax daemon stopping")]
        internal static partial void Stopping(ILogger logger);
    }
}
