using System.Collections.Immutable;
using Ax.Addressing;
using Ax.Apps;
using Ax.Policy;
using Ax.Routing;
using Ax.ServiceTable;
using Microsoft.Extensions.Logging;

namespace Ax.Proxies;

/// <summary>
/// Serves, at this node's address, the ports apps on other nodes expose here: every node for
/// <c>internal:0.0.0.0:node-port</c> (seed 003: "the equivalent of the nodePort feature of Kubernetes"),
/// the named node for <c>internal:NODE-IP:node-port</c>. The app's own node binds the app's socket at the
/// node port itself (no proxy); elsewhere a client outside ax reaches a node that holds no socket of the
/// app, so a TCP proxy there accepts and dials one of the app's servers (node-ip:pool-port), chosen per
/// connection from the current table. The set of proxies follows the table: reconciled on a thread of its
/// own whenever the apps or services change, never on the writer's thread.
/// </summary>
internal sealed partial class RemoteExposures : IDisposable
{
    private readonly string _localNode;
    private readonly uint _nodeIp;
    private readonly AppRegistry _apps;
    private readonly ServiceRegistry _services;
    private readonly ProxyTable _proxies;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _changed = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<ushort, (ImmutableArray<ExposedPort> Ports, TcpProxy Proxy)> _running = [];
    private readonly HashSet<ushort> _refused = [];
    private readonly Task _loop;

    internal RemoteExposures(string localNode, uint nodeIp, AppRegistry apps, ServiceRegistry services, ProxyTable proxies, ILogger logger)
    {
        _localNode = localNode;
        _nodeIp = nodeIp;
        _apps = apps;
        _services = services;
        _proxies = proxies;
        _logger = logger;
        apps.Changed += Signal;
        services.Changed += Signal;
        _loop = Task.Run(RunAsync);
        Signal();
    }

    /// <summary>
    /// Which node ports this node serves for apps elsewhere, and for which apps' ports. A port an app of
    /// this node exposes itself stays that app's (it is bound to the port already).
    /// </summary>
    internal static ImmutableDictionary<ushort, ImmutableArray<ExposedPort>> Wanted(
        uint nodeIp,
        IEnumerable<AppRecord> localApps,
        IEnumerable<KeyValuePair<string, ImmutableArray<AppRecord>>> peerApps)
    {
        var heldHere = new HashSet<ushort>();
        foreach (AppRecord app in localApps)
        {
            foreach (ExposeRule rule in app.Expose)
            {
                if (rule.NodeAddress is null || rule.NodeAddress == Ipv4Endpoint.Any || rule.NodeAddress == nodeIp)
                {
                    heldHere.Add(rule.NodePort);
                }
            }
        }

        var wanted = new Dictionary<ushort, ImmutableArray<ExposedPort>.Builder>();
        foreach ((string node, ImmutableArray<AppRecord> apps) in peerApps)
        {
            foreach (AppRecord app in apps)
            {
                foreach (ExposeRule rule in app.Expose)
                {
                    if ((rule.NodeAddress == Ipv4Endpoint.Any || rule.NodeAddress == nodeIp) && !heldHere.Contains(rule.NodePort))
                    {
                        if (!wanted.TryGetValue(rule.NodePort, out var ports))
                        {
                            wanted[rule.NodePort] = ports = ImmutableArray.CreateBuilder<ExposedPort>();
                        }

                        ports.Add(new ExposedPort(rule.NodePort, node, app.Id, rule.InternalPort));
                    }
                }
            }
        }

        return wanted.ToImmutableDictionary(static p => p.Key, static p => p.Value.ToImmutable());
    }

    /// <summary>One server of the exposed ports, at random, from the current table; refused when none listens now.</summary>
    internal static RouteDecision Pick(ServiceSnapshot table, ImmutableArray<ExposedPort> ports)
    {
        var servers = new List<ServiceEntry>();
        foreach (ExposedPort port in ports)
        {
            foreach (ServiceEntry entry in table.RowsOf(port.Node).Values)
            {
                if (entry.AppId == port.AppId && entry.Proto == TransportProtocol.Tcp && entry.BindAddr.Port == port.InternalPort)
                {
                    servers.Add(entry);
                }
            }
        }

        return servers.Count == 0 ? RouteDecision.Refused : RouteDecision.ToServer(servers[Random.Shared.Next(servers.Count)]);
    }

    private void Signal()
    {
        try
        {
            if (_changed.CurrentCount == 0)
            {
                _changed.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // already signalled: one reconcile covers both changes
        }
        catch (ObjectDisposedException)
        {
            // stopping
        }
    }

    private async Task RunAsync()
    {
        try
        {
            while (true)
            {
                await _changed.WaitAsync(_stop.Token);
                Reconcile();
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    private void Reconcile()
    {
        var wanted = Wanted(_nodeIp, _apps.All, _apps.PeerApps);
        foreach (ushort port in _running.Keys.Where(p => !wanted.TryGetValue(p, out var ports) || !ports.SequenceEqual(_running[p].Ports)).ToList())
        {
            TcpProxy proxy = _running[port].Proxy;
            _running.Remove(port);
            _proxies.Remove(proxy);
            proxy.Dispose();
            Log.Stopped(_logger, port);
        }

        _refused.IntersectWith(wanted.Keys);
        foreach ((ushort port, ImmutableArray<ExposedPort> ports) in wanted)
        {
            if (_running.ContainsKey(port))
            {
                continue;
            }

            string owner = string.Join(',', ports.Select(static p => $"{p.AppId}@{p.Node}:{p.InternalPort}").Distinct());
            TcpProxy? proxy = TcpProxy.TryStart(
                _proxies.NewId(),
                new Ipv4Endpoint(_nodeIp, port),
                () => Pick(_services.Current, ports),
                sourceIp: 0,
                owner,
                _logger,
                out string? problem);
            if (proxy is null)
            {
                // Said once per port; a later table change retries it.
                if (_refused.Add(port))
                {
                    Log.CannotServe(_logger, port, owner, problem!);
                }

                continue;
            }

            _refused.Remove(port);
            _running[port] = (ports, proxy);
            _proxies.Add(proxy);
            Log.Serving(_logger, Ipv4Endpoint.FormatAddress(_nodeIp), port, owner, _localNode);
        }
    }

    public void Dispose()
    {
        _apps.Changed -= Signal;
        _services.Changed -= Signal;
        _stop.Cancel();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // the loop ends by cancellation
        }

        foreach ((_, TcpProxy proxy) in _running.Values)
        {
            _proxies.Remove(proxy);
            proxy.Dispose();
        }

        _running.Clear();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 970, Level = LogLevel.Information, Message = "Serving {NodeIp}:{Port} for {Apps}, exposed on node {Node} by apps running elsewhere")]
        internal static partial void Serving(ILogger logger, string nodeIp, ushort port, string apps, string node);

        [LoggerMessage(EventId = 971, Level = LogLevel.Information, Message = "Node port {Port} is no longer exposed here; its proxy stopped")]
        internal static partial void Stopped(ILogger logger, ushort port);

        [LoggerMessage(EventId = 972, Level = LogLevel.Warning, Message = "Cannot serve node port {Port} exposed by {Apps} on another node: {Problem}")]
        internal static partial void CannotServe(ILogger logger, ushort port, string apps, string problem);
    }
}
