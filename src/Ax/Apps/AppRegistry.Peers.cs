using System.Collections.Immutable;

namespace Ax.Apps;

internal sealed partial class AppRegistry
{
    private readonly Lock _peerWrites = new();
    private PeerAppSet _peers = PeerAppSet.Empty;

    /// <summary>The apps other nodes of the cluster run, by node: copies the table sync keeps, read without a lock.</summary>
    internal ImmutableDictionary<string, ImmutableArray<AppRecord>> PeerApps => Volatile.Read(ref _peers).ByNode;

    /// <summary>Makes <paramref name="node"/>'s apps exactly <paramref name="apps"/> (a peer's latest copy).</summary>
    internal void ReplacePeer(string node, IEnumerable<AppRecord> apps)
    {
        lock (_peerWrites)
        {
            var list = apps.ToImmutableArray();
            if (_peers.ByNode.TryGetValue(node, out var held) ? SameObjects(held, list) : list.IsEmpty)
            {
                return; // the same app objects (the sink reuses those a delta left alone): nothing changed
            }

            var byNode = list.IsEmpty ? _peers.ByNode.Remove(node) : _peers.ByNode.SetItem(node, list);
            Volatile.Write(ref _peers, new PeerAppSet(byNode, [.. byNode.Values.SelectMany(static a => a).Where(static a => a.HasOwnIp).Select(static a => a.Ip)]));
        }

        Changed?.Invoke();
    }

    /// <summary>This node's apps and every peer's.</summary>
    internal IEnumerable<AppRecord> AllWithPeers => _apps.Values.Concat(PeerApps.Values.SelectMany(static apps => apps));

    /// <summary>The app <paramref name="appId"/> of <paramref name="node"/>: this node's own, or a peer's copy.</summary>
    internal bool TryGetAnywhere(string node, string appId, out AppRecord? app)
    {
        if (_apps.TryGetValue(appId, out app))
        {
            return true;
        }

        if (PeerApps.TryGetValue(node, out var apps))
        {
            foreach (AppRecord peer in apps)
            {
                if (peer.Id == appId)
                {
                    app = peer;
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Forgets a node's apps (it left the cluster or was declared failed).</summary>
    internal void RemovePeer(string node)
    {
        if (PeerApps.ContainsKey(node))
        {
            ReplacePeer(node, []);
        }
    }

    private static bool SameObjects(ImmutableArray<AppRecord> a, ImmutableArray<AppRecord> b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (int i = 0; i < a.Length; i++)
        {
            if (!ReferenceEquals(a[i], b[i]))
            {
                return false;
            }
        }

        return true;
    }

    private bool TryFindPeerByName(string name, out uint address)
    {
        foreach (var apps in PeerApps.Values)
        {
            foreach (AppRecord app in apps)
            {
                if (string.Equals(app.Name, name, StringComparison.OrdinalIgnoreCase) && app.HasOwnIp)
                {
                    address = app.Ip;
                    return true;
                }
            }
        }

        address = 0;
        return false;
    }

    private bool IsPeerAppId(string id) => PeerApps.Values.Any(apps => apps.Any(a => a.Id == id));

    /// <summary>The peers' apps and the virtual IPs among them, swapped whole.</summary>
    private sealed record PeerAppSet(ImmutableDictionary<string, ImmutableArray<AppRecord>> ByNode, ImmutableHashSet<uint> OwnIps)
    {
        internal static PeerAppSet Empty { get; } = new(ImmutableDictionary.Create<string, ImmutableArray<AppRecord>>(StringComparer.Ordinal), []);
    }
}
