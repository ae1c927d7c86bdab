using System.Collections.Immutable;
using Ax.Cluster.Sync;

namespace Ax.Tests.Cluster.Sync;

/// <summary>A node's own table that a test edits; each edit is a new version and raises Changed, as the daemon's would.</summary>
internal sealed class FakeLocalTable(string node, string cluster = "appswitch") : ILocalNodeTable
{
    private readonly Lock _lock = new();
    private NodeTable _table = NodeTable.Empty(node, cluster, ClusterTableSync.NewIncarnation());

    public event Action? Changed;

    public NodeTable Current => Volatile.Read(ref _table);

    internal void AddService(SyncService service) => Edit(t => t with { Services = t.Services.Add(service) });

    internal void RemoveService(string socketId) => Edit(t => t with { Services = t.Services.RemoveAll(s => s.SocketId == socketId) });

    internal void AddApp(SyncApp app) => Edit(t => t with { Apps = t.Apps.Add(app) });

    internal void Set(ImmutableArray<SyncApp> apps, ImmutableArray<SyncService> services) => Edit(t => t with { Apps = apps, Services = services });

    private void Edit(Func<NodeTable, NodeTable> edit)
    {
        lock (_lock)
        {
            var next = edit(_table);
            Volatile.Write(ref _table, next with { Version = _table.Version + 1 });
        }

        Changed?.Invoke();
    }
}
