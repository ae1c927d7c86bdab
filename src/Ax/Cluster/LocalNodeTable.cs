using System.Collections.Immutable;
using Ax.Addressing;
using Ax.Apps;
using Ax.Cluster.Sync;
using Ax.Routing.Rules;
using Ax.ServiceTable;
using Ax.VServices;

namespace Ax.Cluster;

/// <summary>
/// This node's part of the cluster table, as the sync protocol publishes it: the apps this daemon serves,
/// the services of this node's rows and the vservices created here, rebuilt after any of them changes and
/// given a new version only when what peers would see changed (a peer's rows arriving changes nothing here).
/// </summary>
internal sealed class LocalNodeTable : ILocalNodeTable, IDisposable
{
    private readonly AppRegistry _apps;
    private readonly ServiceRegistry _services;
    private readonly VServiceManager _vservices;
    private readonly VServiceRegistry _vserviceRegistry;
    private readonly RuleStore? _rules;
    private readonly Lock _gate = new();
    private NodeTable _current;

    // What the table was last built from: a peer's change leaves all three as they were, and costs no rebuild.
    private long _appsBuiltFrom = -1;
    private object? _servicesBuiltFrom;
    private object? _vservicesBuiltFrom;
    private long _rulesBuiltFrom = -1;

    internal LocalNodeTable(string node, string cluster, ulong incarnation, AppRegistry apps, ServiceRegistry services, VServiceRegistry vserviceRegistry, VServiceManager vservices, RuleStore? rules = null)
    {
        _rules = rules;
        _apps = apps;
        _services = services;
        _vservices = vservices;
        _vserviceRegistry = vserviceRegistry;
        _current = NodeTable.Empty(node, cluster, incarnation);
        Refresh();
        apps.Changed += Refresh;
        services.Changed += Refresh;
        vserviceRegistry.Changed += Refresh;
        if (rules is not null)
        {
            rules.Changed += Refresh;
        }
    }

    public event Action? Changed;

    public NodeTable Current => Volatile.Read(ref _current);

    internal static SyncApp ToSync(AppRecord app) => new(
        app.Id,
        app.Name,
        app.IpText,
        app.HasOwnIp,
        [.. app.Labels.Labels],
        app.Pid,
        string.Join(' ', app.Command))
    {
        Expose = [.. app.Expose.Select(static r => r.ToString())],
    };

    internal static SyncService ToSync(ServiceEntry entry) => new(
        entry.Inode,
        entry.SocketId.ToString("N"),
        entry.AppId,
        entry.Proto == TransportProtocol.Tcp ? "tcp" : "udp",
        entry.ServiceAddr.ToString(),
        entry.HostAddr.ToString(),
        entry.BindAddr.ToString(),
        [.. entry.Labels.Labels],
        entry.Backlog);

    private void Refresh()
    {
        bool changed;
        lock (_gate)
        {
            NodeTable was = _current;
            long appsVersion = _apps.LocalVersion;
            var localRows = _services.Local;
            var vsnapshot = _vserviceRegistry.Current;
            long rulesRevision = _rules?.LocalRevision ?? 0;
            if (appsVersion == _appsBuiltFrom && ReferenceEquals(localRows, _servicesBuiltFrom) && ReferenceEquals(vsnapshot, _vservicesBuiltFrom) && rulesRevision == _rulesBuiltFrom)
            {
                return;
            }

            (_appsBuiltFrom, _servicesBuiltFrom, _vservicesBuiltFrom, _rulesBuiltFrom) = (appsVersion, localRows, vsnapshot, rulesRevision);
            ImmutableArray<SyncApp> apps = [.. _apps.All.Select(ToSync)];
            ImmutableArray<SyncService> services = [.. localRows.Values.OrderBy(static e => e.Inode).Select(ToSync)];
            ImmutableArray<Contracts.VServiceInfo> vservices = [.. _vservices.ListLocal()];
            ImmutableArray<string> rules = _rules is null ? [] : [.. _rules.LocalRulesJson()];
            changed = !apps.SequenceEqual(was.Apps) || !services.SequenceEqual(was.Services) || !NodeTableDiff.SameVServices(vservices, was.VServices) ||
                      !rules.SequenceEqual(was.Rules, StringComparer.Ordinal);
            if (changed)
            {
                Volatile.Write(ref _current, was with { Version = was.Version + 1, Apps = apps, Services = services, VServices = vservices, Rules = rules });
            }
        }

        if (changed)
        {
            Changed?.Invoke();
        }
    }


    public void Dispose()
    {
        _apps.Changed -= Refresh;
        _services.Changed -= Refresh;
        _vserviceRegistry.Changed -= Refresh;
        if (_rules is not null)
        {
            _rules.Changed -= Refresh;
        }
    }
}
