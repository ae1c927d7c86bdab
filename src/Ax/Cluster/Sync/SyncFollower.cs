using Microsoft.Extensions.Logging;

namespace Ax.Cluster.Sync;

/// <summary>
/// Keeps one <see cref="SyncSubscription"/> per alive member (this node excepted) as the membership
/// changes. A member that departs has its subscription stopped and then its rows removed from the sink, in
/// that order, so no late Apply can bring them back; a member that rejoins meanwhile starts following only
/// after that removal.
/// </summary>
internal sealed partial class SyncFollower : IAsyncDisposable
{
    private readonly string _node;
    private readonly string _cluster;
    private readonly SyncOptions _options;
    private readonly ISyncMembership _membership;
    private readonly IPeerTableSink _sink;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Following> _following = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Task> _leaving = new(StringComparer.Ordinal);
    private bool _stopped;

    internal SyncFollower(string node, string cluster, SyncOptions options, ISyncMembership membership, IPeerTableSink sink, ILogger logger, TimeProvider? time = null)
    {
        _node = node;
        _cluster = cluster;
        _options = options;
        _membership = membership;
        _sink = sink;
        _logger = logger;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The peers followed now.</summary>
    internal IReadOnlyList<string> Peers
    {
        get
        {
            lock (_lock)
            {
                return [.. _following.Keys.Order(StringComparer.Ordinal)];
            }
        }
    }

    internal void Start()
    {
        _membership.Changed += Reconcile;
        Reconcile();
    }

    public async ValueTask DisposeAsync()
    {
        _membership.Changed -= Reconcile;
        Task[] running;
        lock (_lock)
        {
            _stopped = true;
            foreach (var following in _following.Values)
            {
                following.Stop.Cancel();
            }

            running = [.. _following.Values.Select(f => f.Task), .. _leaving.Values];
            _following.Clear();
        }

        // The daemon stops: its copies go with it, nobody is told to remove rows.
        await Task.WhenAll(running).ConfigureAwait(false);
    }

    /// <summary>Brings the subscriptions in line with the membership's current list.</summary>
    internal void Reconcile()
    {
        var members = _membership.Current;
        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }

            var alive = new Dictionary<string, SyncPeer>(StringComparer.Ordinal);
            foreach (var member in members)
            {
                if (member.Node != _node)
                {
                    alive[member.Node] = member;
                }
            }

            foreach (var (name, following) in _following.ToArray())
            {
                if (!alive.ContainsKey(name))
                {
                    _following.Remove(name);
                    following.Stop.Cancel();
                    Log.Departed(_logger, name);
                    _leaving[name] = RemoveAfterAsync(name, following);
                }
            }

            foreach (var (name, member) in alive)
            {
                if (_following.TryGetValue(name, out var following))
                {
                    if (!Equals(following.Subscription.Endpoint, member.Endpoint))
                    {
                        following.Subscription.Retarget(member.Endpoint);
                    }

                    continue;
                }

                var subscription = new SyncSubscription(_node, _cluster, name, member.Endpoint, _options, _sink, _logger, _time);
                var stop = new CancellationTokenSource();
                var before = _leaving.GetValueOrDefault(name) ?? Task.CompletedTask;
                _following[name] = new Following(subscription, stop, RunAfterAsync(before, subscription, stop.Token));
            }
        }
    }

    private static async Task RunAfterAsync(Task before, SyncSubscription subscription, CancellationToken stop)
    {
        await before.ConfigureAwait(false);
        await Task.Run(() => subscription.RunAsync(stop), CancellationToken.None).ConfigureAwait(false);
    }

    private async Task RemoveAfterAsync(string name, Following following)
    {
        await following.Task.ConfigureAwait(false);
        following.Stop.Dispose();
        try
        {
            _sink.Remove(name);
        }
        catch (Exception error)
        {
            Log.SinkFailed(_logger, name, error);
        }

        lock (_lock)
        {
            if (_leaving.TryGetValue(name, out var task) && task.IsCompleted)
            {
                _leaving.Remove(name);
            }
        }
    }

    private sealed record Following(SyncSubscription Subscription, CancellationTokenSource Stop, Task Task);

    private static partial class Log
    {
        [LoggerMessage(EventId = 955, Level = LogLevel.Information, Message = "sync: {Node} left the cluster; removing its rows")]
        internal static partial void Departed(ILogger logger, string node);

        [LoggerMessage(EventId = 956, Level = LogLevel.Error, Message = "sync: the table could not remove {Node}'s rows")]
        internal static partial void SinkFailed(ILogger logger, string node, Exception error);
    }
}
