using System.Collections.Immutable;
using System.Text.Json;

namespace Ax.Cluster.Sync;

/// <summary>Deltas between two versions of a node's table, and a delta applied to a copy.</summary>
internal static class NodeTableDiff
{
    /// <summary>What turns <paramref name="before"/> into <paramref name="after"/>; empty when their rows are equal.</summary>
    internal static SyncDelta Between(NodeTable before, NodeTable after)
    {
        var oldApps = before.Apps.ToDictionary(a => a.Id, StringComparer.Ordinal);
        var oldServices = before.Services.ToDictionary(s => s.SocketId, StringComparer.Ordinal);
        var apps = new List<SyncApp>();
        var services = new List<SyncService>();
        foreach (var app in after.Apps)
        {
            if (!oldApps.Remove(app.Id, out var old) || !old.Equals(app))
            {
                apps.Add(app);
            }
        }

        foreach (var service in after.Services)
        {
            if (!oldServices.Remove(service.SocketId, out var old) || !old.Equals(service))
            {
                services.Add(service);
            }
        }

        return new SyncDelta(after.Incarnation, before.Version, after.Version, [.. apps], [.. oldApps.Keys], [.. services], [.. oldServices.Keys])
        {
            VServices = SameVServices(before.VServices, after.VServices) ? null : [.. after.VServices],
            Rules = before.Rules.SequenceEqual(after.Rules, StringComparer.Ordinal) ? null : [.. after.Rules],
        };
    }

    /// <summary>
    /// <paramref name="table"/> with <paramref name="delta"/> applied, rows in key order; null when the delta
    /// does not fit it (another incarnation or version, or removes a row the copy lacks): the copy has
    /// diverged and must be fetched whole.
    /// </summary>
    internal static NodeTable? Apply(NodeTable table, SyncDelta delta)
    {
        if (delta.Incarnation != table.Incarnation || delta.From != table.Version)
        {
            return null;
        }

        var apps = table.Apps.ToDictionary(a => a.Id, StringComparer.Ordinal);
        var services = table.Services.ToDictionary(s => s.SocketId, StringComparer.Ordinal);
        foreach (string id in delta.RemovedApps)
        {
            if (!apps.Remove(id))
            {
                return null;
            }
        }

        foreach (string id in delta.RemovedServices)
        {
            if (!services.Remove(id))
            {
                return null;
            }
        }

        foreach (var app in delta.Apps)
        {
            apps[app.Id] = app;
        }

        foreach (var service in delta.Services)
        {
            services[service.SocketId] = service;
        }

        return table with
        {
            Version = delta.To,
            VServices = delta.VServices is null ? table.VServices : [.. delta.VServices.OrderBy(v => v.Name, StringComparer.Ordinal)],
            Rules = delta.Rules is null ? table.Rules : [.. delta.Rules.Order(StringComparer.Ordinal)],
            Apps = [.. apps.Values.OrderBy(a => a.Id, StringComparer.Ordinal)],
            Services = [.. services.Values.OrderBy(s => s.SocketId, StringComparer.Ordinal)],
        };
    }

    /// <summary>The same table with its rows in key order.</summary>
    internal static NodeTable Sorted(NodeTable table) => table with
    {
        VServices = [.. table.VServices.OrderBy(v => v.Name, StringComparer.Ordinal)],
        Rules = [.. table.Rules.Order(StringComparer.Ordinal)],
        Apps = [.. table.Apps.OrderBy(a => a.Id, StringComparer.Ordinal)],
        Services = [.. table.Services.OrderBy(s => s.SocketId, StringComparer.Ordinal)],
    };

    /// <summary>Equal vservices, compared as their JSON (the contract's lists compare by reference).</summary>
    internal static bool SameVServices(ImmutableArray<Contracts.VServiceInfo> a, ImmutableArray<Contracts.VServiceInfo> b) =>
        a.Length == b.Length && a.Zip(b).All(static p =>
            JsonSerializer.Serialize(p.First, SyncJsonContext.Default.VServiceInfo) == JsonSerializer.Serialize(p.Second, SyncJsonContext.Default.VServiceInfo));
}
