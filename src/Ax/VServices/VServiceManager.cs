using System.Diagnostics.CodeAnalysis;
using Ax.Addressing;
using Ax.Contracts;
using Ax.Daemon;
using Ax.Policy;
using Ax.Proxies;
using Ax.Routing;
using Ax.ServiceTable;
using Microsoft.Extensions.Logging;

namespace Ax.VServices;

/// <summary>
/// Creates and deletes vservices for the REST API: validates, starts the node proxies of an external
/// vservice (all or none), publishes it to the router, and saves the set under run-dir/state. A vservice
/// belongs to the node that created it; the table sync brings every other node's (<see cref="ApplyPeer"/>),
/// so each is routed, resolved and, when external, served on every node of the cluster.
/// </summary>
internal sealed partial class VServiceManager
{
    internal const string StateName = "vservices";

    private readonly Lock _lock = new();
    private readonly Dictionary<string, List<TcpProxy>> _proxiesByName = new(StringComparer.OrdinalIgnoreCase);
    private readonly VServiceRegistry _registry;
    private readonly RoutingEngine _router;
    private readonly ProxyTable _proxies;
    private readonly uint _nodeIp;
    private readonly string _localNode;
    private readonly DaemonState? _state;
    private readonly ILogger _logger;
    private readonly Dictionary<string, Dictionary<string, (VServiceInfo Spec, VService VService)>> _peerSpecs = new(StringComparer.Ordinal);

    internal VServiceManager(VServiceRegistry registry, RoutingEngine router, ProxyTable proxies, uint nodeIp, DaemonState? state, ILogger logger, string localNode = "")
    {
        _localNode = localNode;
        _registry = registry;
        _router = router;
        _proxies = proxies;
        _nodeIp = nodeIp;
        _state = state;
        _logger = logger;
    }

    internal VServiceInfo[] List() =>
        [.. _registry.Current.ByName.Values.OrderBy(static v => v.Name, StringComparer.OrdinalIgnoreCase).Select(static v => v.ToInfo())];

    /// <summary>This node's own vservices, which it saves and publishes to its peers.</summary>
    internal VServiceInfo[] ListLocal() =>
        [.. _registry.Current.ByName.Values.Where(v => v.Node == _localNode).OrderBy(static v => v.Name, StringComparer.OrdinalIgnoreCase).Select(static v => v.ToInfo())];

    internal CreateOutcome TryCreate(VServiceInfo? spec, out VServiceInfo? created, out string? problem) =>
        TryCreate(spec, save: true, out created, out problem);

    /// <summary>Deletes a vservice of this node; false when there is none by that name, or (with the reason) when another node owns it.</summary>
    internal bool TryDelete(string name, out string? problem)
    {
        problem = null;
        List<TcpProxy>? proxies;
        lock (_lock)
        {
            if (_registry.Current.ByName.TryGetValue(name, out VService? found) && found.Node != _localNode)
            {
                problem = $"vservice '{found.Name}' was created on node {found.Node}, which alone may delete it; run 'ax delete vservice {found.Name}' there";
                return false;
            }

            if (!_registry.TryRemove(name, out VService? removed))
            {
                return false;
            }

            _proxiesByName.Remove(removed.Name, out proxies);
            Save();
            Log.Deleted(_logger, removed.Name);
        }

        foreach (TcpProxy proxy in proxies ?? [])
        {
            _proxies.Remove(proxy);
            proxy.Dispose();
        }

        return true;
    }

    /// <summary>Brings back the vservices an earlier daemon saved; one that no longer fits is logged and dropped.</summary>
    internal void Restore()
    {
        VServiceInfo[]? saved = _state?.Load(StateName, AxJsonContext.Default.VServiceInfoArray);
        int restored = 0;
        foreach (VServiceInfo spec in saved ?? [])
        {
            if (TryCreate(spec, save: false, out _, out string? problem) == CreateOutcome.Created)
            {
                restored++;
            }
            else
            {
                Log.NotRestored(_logger, spec?.Name ?? "(unnamed)", problem ?? "unknown");
            }
        }

        if (saved is not null)
        {
            Log.Restored(_logger, restored);

            // The file now says what really came back.
            Save();
        }
    }

    private CreateOutcome TryCreate(VServiceInfo? spec, bool save, out VServiceInfo? created, out string? problem)
    {
        created = null;
        if (!VServiceValidation.TryCreate(spec, out VService? vservice, out problem))
        {
            return CreateOutcome.Invalid;
        }

        vservice = vservice.OwnedBy(_localNode);

        if (vservice.SourceIp != 0 && !IsNodeAddress(vservice.SourceIp))
        {
            problem = $"invalid --source-ip '{Ipv4Endpoint.FormatAddress(vservice.SourceIp)}': it is not an address of this node; give one the node has, or leave it out";
            return CreateOutcome.Invalid;
        }

        lock (_lock)
        {
            problem = _registry.Conflict(vservice);
            if (problem is not null)
            {
                return CreateOutcome.Conflict;
            }

            var started = new List<TcpProxy>();
            if (vservice.External && !TryStartProxies(vservice, started, out problem))
            {
                foreach (TcpProxy proxy in started)
                {
                    proxy.Dispose();
                }

                return CreateOutcome.Conflict;
            }

            if (!_registry.TryAdd(vservice, out problem))
            {
                // Unreachable while every writer holds _lock; kept so a future writer cannot leak proxies.
                started.ForEach(static p => p.Dispose());
                return CreateOutcome.Conflict;
            }

            _proxiesByName[vservice.Name] = started;
            started.ForEach(_proxies.Add);
            if (save)
            {
                Save();
            }
        }

        created = vservice.ToInfo();
        Log.Created(_logger, vservice.Name, Ipv4Endpoint.FormatAddress(vservice.Vip), vservice.LbType.ToString(), vservice.External);
        return CreateOutcome.Created;
    }

    /// <summary>
    /// Makes <paramref name="node"/>'s vservices here exactly <paramref name="specs"/> (that peer's latest
    /// copy; empty when it left): routed and resolved here, external ones served on this node's IP too.
    /// A spec that does not validate, or clashes with a vservice here, is logged and left out.
    /// </summary>
    internal void ApplyPeer(string node, IReadOnlyList<VServiceInfo> specs)
    {
        if (node == _localNode)
        {
            return;
        }

        var stop = new List<TcpProxy>();
        lock (_lock)
        {
            Dictionary<string, (VServiceInfo Spec, VService VService)> before = _peerSpecs.GetValueOrDefault(node) ?? new(StringComparer.OrdinalIgnoreCase);
            var now = new Dictionary<string, (VServiceInfo Spec, VService VService)>(StringComparer.OrdinalIgnoreCase);
            foreach (VServiceInfo spec in specs)
            {
                string key = spec.Name ?? string.Empty;
                if (before.TryGetValue(key, out var kept) && SameSpec(kept.Spec, spec))
                {
                    now[key] = kept; // unchanged: keeps its round-robin cursor and its proxies
                    continue;
                }

                // A peer's --source-ip is an address of that node, not of this one: proxies here dial from the kernel's choice.
                if (!VServiceValidation.TryCreate(spec with { SourceIp = null, Node = null }, out VService? vservice, out string? problem))
                {
                    Log.PeerRefused(_logger, spec.Name ?? "(unnamed)", node, problem);
                    continue;
                }

                now[key] = (spec, vservice.OwnedBy(node));
            }

            foreach ((string name, var old) in before)
            {
                if (!now.TryGetValue(name, out var current) || !ReferenceEquals(current.VService, old.VService))
                {
                    StopProxies(old.VService.Name, stop);
                }
            }

            _registry.ReplacePeer(node, [.. now.Values.Select(static v => v.VService)], out var refused);
            foreach ((VService vservice, string problem) in refused)
            {
                now.Remove(vservice.Name);
                Log.PeerRefused(_logger, vservice.Name, node, problem);
            }

            foreach ((VServiceInfo _, VService vservice) in now.Values)
            {
                if (vservice.External && !_proxiesByName.ContainsKey(vservice.Name))
                {
                    var started = new List<TcpProxy>();
                    if (!TryStartProxies(vservice, started, out string? problem))
                    {
                        started.ForEach(static p => p.Dispose());
                        Log.PeerRefused(_logger, vservice.Name, node, problem);
                        continue;
                    }

                    _proxiesByName[vservice.Name] = started;
                    started.ForEach(_proxies.Add);
                }
            }

            if (now.Count == 0)
            {
                _peerSpecs.Remove(node);
            }
            else
            {
                _peerSpecs[node] = now;
            }
        }

        foreach (TcpProxy proxy in stop)
        {
            _proxies.Remove(proxy);
            proxy.Dispose();
        }
    }

    private void StopProxies(string name, List<TcpProxy> stop)
    {
        if (_proxiesByName.Remove(name, out List<TcpProxy>? proxies))
        {
            stop.AddRange(proxies);
        }
    }

    private static bool SameSpec(VServiceInfo a, VServiceInfo b) =>
        System.Text.Json.JsonSerializer.Serialize(a, AxJsonContext.Default.VServiceInfo) == System.Text.Json.JsonSerializer.Serialize(b, AxJsonContext.Default.VServiceInfo);

    /// <summary>An external vservice: one proxy per virtual port on node-IP:vport, picking backends as the router does.</summary>
    private bool TryStartProxies(VService vservice, List<TcpProxy> started, [NotNullWhen(false)] out string? problem)
    {
        problem = null;
        foreach (VServicePortMap port in vservice.Ports)
        {
            ushort appPort = port.AppPort;
            TcpProxy? proxy = TcpProxy.TryStart(
                _proxies.NewId(),
                new Ipv4Endpoint(_nodeIp, port.VirtualPort),
                () => _router.RouteVService(vservice, appPort, TransportProtocol.Tcp, clientLabels: null),
                vservice.SourceIp,
                $"vservice/{vservice.Name}",
                _logger,
                out problem);
            if (proxy is null)
            {
                problem = $"cannot create external vservice '{vservice.Name}': {problem}";
                return false;
            }

            started.Add(proxy);
        }

        return true;
    }

    /// <summary>True when the kernel lets a socket bind to <paramref name="address"/> here (EADDRNOTAVAIL otherwise).</summary>
    private static bool IsNodeAddress(uint address)
    {
        using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        try
        {
            probe.Bind(new System.Net.IPEndPoint(Ipv4Endpoint.ToIPAddress(address), 0));
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    private void Save() => _state?.Save(StateName, ListLocal(), AxJsonContext.Default.VServiceInfoArray);

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "vservice {Name} created on {Vip} ({LbType}, external: {External})")]
        internal static partial void Created(ILogger logger, string name, string vip, string lbType, bool external);

        [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "vservice {Name} deleted")]
        internal static partial void Deleted(ILogger logger, string name);

        [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "restored {Count} saved vservice(s)")]
        internal static partial void Restored(ILogger logger, int count);

        [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "saved vservice {Name} not restored: {Problem}")]
        internal static partial void NotRestored(ILogger logger, string name, string problem);

        [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "vservice {Name} of node {Node} is not served here: {Problem}")]
        internal static partial void PeerRefused(ILogger logger, string name, string node, string problem);
    }
}
