using System.Diagnostics.CodeAnalysis;
using Ax.Addressing;
using Ax.Contracts;
using Ax.Daemon;
using Ax.Policy;
using Ax.Proxies;
using Ax.ServiceTable;
using Microsoft.Extensions.Logging;

namespace Ax.VServices;

/// <summary>
/// Creates and deletes vservices for the REST API: validates, starts the node proxies of an external
/// vservice (all or none), publishes it to the router, and saves the set under run-dir/state.
/// </summary>
internal sealed partial class VServiceManager
{
    internal const string StateName = "vservices";

    private readonly Lock _lock = new();
    private readonly Dictionary<string, List<TcpProxy>> _proxiesByName = new(StringComparer.OrdinalIgnoreCase);
    private readonly VServiceRegistry _registry;
    private readonly ConnectRouter _router;
    private readonly ProxyTable _proxies;
    private readonly uint _nodeIp;
    private readonly DaemonState? _state;
    private readonly ILogger _logger;

    internal VServiceManager(VServiceRegistry registry, ConnectRouter router, ProxyTable proxies, uint nodeIp, DaemonState? state, ILogger logger)
    {
        _registry = registry;
        _router = router;
        _proxies = proxies;
        _nodeIp = nodeIp;
        _state = state;
        _logger = logger;
    }

    internal VServiceInfo[] List() =>
        [.. _registry.Current.ByName.Values.OrderBy(static v => v.Name, StringComparer.OrdinalIgnoreCase).Select(static v => v.ToInfo())];

    internal CreateOutcome TryCreate(VServiceInfo? spec, out VServiceInfo? created, out string? problem) =>
        TryCreate(spec, save: true, out created, out problem);

    internal bool TryDelete(string name)
    {
        List<TcpProxy>? proxies;
        lock (_lock)
        {
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
            probe.Bind(new System.Net.IPEndPoint(new System.Net.IPAddress([(byte)(address >> 24), (byte)(address >> 16), (byte)(address >> 8), (byte)address]), 0));
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    private void Save() => _state?.Save(StateName, List(), AxJsonContext.Default.VServiceInfoArray);

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
    }
}
