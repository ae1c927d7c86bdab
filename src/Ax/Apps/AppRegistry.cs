using System.Collections.Concurrent;
using System.Globalization;

namespace Ax.Apps;

/// <summary>The apps this daemon serves, by app id, and copies of the apps its peers serve (AppRegistry.Peers.cs). App ids look like the seed's: "f" and seven hex digits.</summary>
internal sealed partial class AppRegistry
{
    private readonly ConcurrentDictionary<string, AppRecord> _apps = new(StringComparer.Ordinal);
    private long _localVersion;

    /// <summary>
    /// A new app id: "f" and seven hex digits, as the seed's, drawn at random rather than counted, so that
    /// daemons on different nodes, each counting alone, do not hand out the same ids; an id a running app
    /// holds (apps taken back after a daemon restart keep theirs), here or on a peer, is never handed out twice.
    /// </summary>
    internal string NewId()
    {
        while (true)
        {
            string id = "f" + Random.Shared.Next(0x100, 0x10000000).ToString("x7", CultureInfo.InvariantCulture);
            if (!_apps.ContainsKey(id) && !IsPeerAppId(id))
            {
                return id;
            }
        }
    }

    /// <summary>Raised after an app is added or removed, on the caller's thread; handlers must not block.</summary>
    internal event Action? Changed;

    /// <summary>Grows with every add or remove of this node's apps (not the peers'): what this node publishes changed.</summary>
    internal long LocalVersion => Interlocked.Read(ref _localVersion);

    internal void Add(AppRecord app)
    {
        _apps[app.Id] = app;
        Interlocked.Increment(ref _localVersion);
        Changed?.Invoke();
    }

    internal bool Remove(string appId)
    {
        bool removed = _apps.TryRemove(appId, out _);
        if (removed)
        {
            Interlocked.Increment(ref _localVersion);
            Changed?.Invoke();
        }

        return removed;
    }

    internal bool TryGet(string appId, out AppRecord? app) => _apps.TryGetValue(appId, out app);

    internal IReadOnlyList<AppRecord> All => [.. _apps.Values.OrderBy(static a => a.Id, StringComparer.Ordinal)];

    /// <summary>True when some running app of the cluster was given this address with --ip or for its --name.</summary>
    internal bool IsAppIp(uint address) =>
        Volatile.Read(ref _peers).OwnIps.Contains(address) || _apps.Values.Any(a => a.HasOwnIp && a.Ip == address);
}
