using Ax.Addressing;
using Ax.Apps;
using Ax.Cluster.Sync;
using Ax.Policy;
using Ax.Routing.Rules;
using Ax.ServiceTable;
using Ax.VServices;
using Microsoft.Extensions.Logging;

namespace Ax.Cluster;

/// <summary>
/// Where peers' tables land: each copy replaces that node's rows in the service table, its apps in the
/// app registry and its vservices, all keyed by the node, so a peer never touches this node's rows or
/// another peer's. Rows that do not parse are left out with one log line (the sync already validated the
/// frame; this is the last check before the router sees them). A peer can only send clients to itself: a
/// service whose host address is not that node's own address (as its gossip agent announces it) is left
/// out too, so a peer that lies cannot turn this node's apps' connects toward a third host.
/// </summary>
/// <param name="nodeAddress">A member's node address by its name, null when unknown (then rows are not checked against it).</param>
internal sealed partial class PeerTableSink(string localNode, AppRegistry apps, ServiceRegistry services, VServiceManager vservices, ILogger logger, Func<string, uint?>? nodeAddress = null, RuleStore? rules = null) : IPeerTableSink
{
    /// <summary>
    /// Per peer, the rows already converted, by the sync's row object: a copy updated by a delta keeps the
    /// objects of its unchanged rows, so only the rows a delta brings are parsed again, and the table's
    /// rows stay the same objects (ReplaceNode then finds nothing to do for them). Calls for one node come one
    /// at a time, so each node's cache has one user at a time.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (Dictionary<SyncApp, AppRecord> Apps, Dictionary<SyncService, ServiceEntry> Services)> _converted = new(StringComparer.Ordinal);

    public void Apply(NodeTable peerTable)
    {
        string node = peerTable.Node;
        if (node == localNode)
        {
            Log.OwnName(logger, node);
            return;
        }

        var before = _converted.GetValueOrDefault(node);
        var appsNow = new Dictionary<SyncApp, AppRecord>(ReferenceEqualityComparer.Instance);
        var servicesNow = new Dictionary<SyncService, ServiceEntry>(ReferenceEqualityComparer.Instance);
        var peerApps = new List<AppRecord>();
        foreach (SyncApp app in peerTable.Apps)
        {
            if (before.Apps?.TryGetValue(app, out AppRecord? known) == true)
            {
                peerApps.Add(appsNow[app] = known);
            }
            else if (TryConvert(app, out AppRecord? record, out string? problem))
            {
                peerApps.Add(appsNow[app] = record);
            }
            else
            {
                Log.RowLeftOut(logger, node, problem);
            }
        }

        var rows = new List<ServiceEntry>();
        uint? address = nodeAddress?.Invoke(node);
        foreach (SyncService service in peerTable.Services)
        {
            if (before.Services?.TryGetValue(service, out ServiceEntry? known) == true && (address is null || known.HostAddr.Address == address))
            {
                rows.Add(servicesNow[service] = known);
            }
            else if (TryConvert(node, service, out ServiceEntry? entry, out string? problem))
            {
                if (address is { } own && entry.HostAddr.Address != own)
                {
                    Log.RowLeftOut(logger, node, $"service {service.SocketId}: its host address {entry.HostAddr} is not the node's own ({Ipv4Endpoint.FormatAddress(own)})");
                    continue;
                }

                rows.Add(servicesNow[service] = entry);
            }
            else
            {
                Log.RowLeftOut(logger, node, problem);
            }
        }

        _converted[node] = (appsNow, servicesNow);

        // Apps first: a connect that finds a new service also finds its app's name and address.
        apps.ReplacePeer(node, peerApps);
        services.ReplaceNode(node, rows);
        vservices.ApplyPeer(node, peerTable.VServices);
        rules?.ApplyPeerJson(node, peerTable.Rules);
    }

    public void Remove(string node)
    {
        if (node == localNode)
        {
            return;
        }

        _converted.TryRemove(node, out _);
        services.RemoveNode(node);
        apps.RemovePeer(node);
        vservices.ApplyPeer(node, []);
        rules?.ApplyPeer(node, []);
        Log.NodeRemoved(logger, node);
    }

    internal static bool TryConvert(SyncApp app, out AppRecord record, out string problem)
    {
        record = null!;
        if (!Ipv4Endpoint.TryParseAddress(app.Ip, out uint ip))
        {
            problem = $"app {app.Id}: '{app.Ip}' is not an IPv4 address";
            return false;
        }

        if (!TryLabels(app.Labels, out LabelSet? labels, out string? labelProblem))
        {
            problem = $"app {app.Id}: {labelProblem}";
            return false;
        }

        var expose = new List<ExposeRule>();
        foreach (string text in app.Expose ?? [])
        {
            if (!ExposeRule.TryParse(text, out ExposeRule? rule, out string? exposeProblem))
            {
                problem = $"app {app.Id}: {exposeProblem}";
                return false;
            }

            expose.Add(rule);
        }

        record = new AppRecord(app.Id, app.Name, labels, ip, app.HasOwnIp, app.Pid, app.Command.Length == 0 ? [] : [app.Command]) { Expose = expose };
        problem = string.Empty;
        return true;
    }

    internal static bool TryConvert(string node, SyncService service, out ServiceEntry entry, out string problem)
    {
        entry = null!;
        TransportProtocol? proto = service.Proto switch { "tcp" => TransportProtocol.Tcp, "udp" => TransportProtocol.Udp, _ => null };
        if (proto is null ||
            !Ipv4Endpoint.TryParse(service.ServiceAddr, out Ipv4Endpoint? serviceAddr) ||
            !Ipv4Endpoint.TryParse(service.HostAddr, out Ipv4Endpoint? hostAddr) ||
            !Ipv4Endpoint.TryParse(service.BindAddr, out Ipv4Endpoint? bindAddr) ||
            hostAddr.Value.IsAnyAddress || hostAddr.Value.Port == 0)
        {
            problem = $"service {service.SocketId}: a bad protocol or address";
            return false;
        }

        if (!TryLabels(service.Labels, out LabelSet? labels, out string? labelProblem))
        {
            problem = $"service {service.SocketId}: {labelProblem}";
            return false;
        }

        _ = Guid.TryParse(service.SocketId, out Guid socketId);
        entry = new ServiceEntry(socketId, node, service.AppId, proto.Value, serviceAddr.Value, hostAddr.Value, bindAddr.Value, labels, service.Socket, service.Backlog);
        problem = string.Empty;
        return true;
    }

    /// <summary>Labels as ax parses them; none at all is an empty set (it shares no label with anyone), not the default zone.</summary>
    private static bool TryLabels(string[] labels, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out LabelSet? set, out string? problem)
    {
        if (labels.Length == 0)
        {
            set = LabelSet.FromValidated([]);
            problem = null;
            return true;
        }

        return LabelSet.TryParse(string.Join(',', labels), out set, out problem);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 980, Level = LogLevel.Warning, Message = "A peer announced a table under this node's own name {Node}; ignored (two daemons with one --node-name?)")]
        internal static partial void OwnName(ILogger logger, string node);

        [LoggerMessage(EventId = 981, Level = LogLevel.Warning, Message = "Node {Node}: a row left out of the table: {Problem}")]
        internal static partial void RowLeftOut(ILogger logger, string node, string problem);

        [LoggerMessage(EventId = 982, Level = LogLevel.Information, Message = "Node {Node} left the cluster; its apps, services, vservices and rules are removed here")]
        internal static partial void NodeRemoved(ILogger logger, string node);
    }
}
