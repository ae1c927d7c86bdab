using Ax.Cluster.Serf;
using Microsoft.Extensions.Logging;

namespace Ax.Cluster;

/// <summary>
/// The alive members of this cluster, kept from the gossip agent: the full list from <c>members</c> every
/// <see cref="ReconcileInterval"/>, and again at once whenever the agent streams a member event. Events alone
/// are not enough: the agent coalesces them for at least a second and a fail followed by a rejoin inside
/// that window produced none (DESIGN.md, "The cluster"); the periodic list repairs whatever they miss.
/// Serf has no cluster name, so a member counts only when its <see cref="SerfAgentOptions.ClusterTag"/>
/// tag matches ours; another cluster's node is logged once and left out. Readers take
/// <see cref="Current"/> without a lock.
/// </summary>
internal sealed partial class ClusterMembership : IAsyncDisposable
{
    /// <summary>
    /// Defaults to 500 ms: a failure Serf declares is in the snapshot at most that much later. The stream
    /// does not help there: the agent delivers member events after coalescing them (at least 1 s), and
    /// Serf's own detection already takes ~5.7 s of the 7 s target. A <c>members</c> call costs ~100 bytes
    /// per member on loopback.
    /// </summary>
    internal static readonly TimeSpan DefaultReconcileInterval = TimeSpan.FromMilliseconds(500);

    private const string MemberEvents = "member-join,member-leave,member-failed,member-update,member-reap";

    private readonly Func<CancellationToken, Task<SerfRpcClient>> _connect;
    private readonly string _clusterName;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly HashSet<string> _foreignLogged = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private MembershipSnapshot _snapshot = MembershipSnapshot.Empty;
    private Task? _loop;
    private string? _lastError;

    /// <param name="connect">Opens an RPC client to this node's agent (<see cref="SerfAgent.ConnectAsync"/>).</param>
    /// <param name="clusterName">This daemon's cluster (<c>--cluster</c>).</param>
    /// <param name="logger">The daemon's logger.</param>
    /// <param name="time">The clock; the system's by default.</param>
    /// <param name="reconcileInterval">How often the full list is read; <see cref="DefaultReconcileInterval"/> by default.</param>
    internal ClusterMembership(Func<CancellationToken, Task<SerfRpcClient>> connect, string clusterName, ILogger logger, TimeProvider? time = null, TimeSpan? reconcileInterval = null)
    {
        _connect = connect;
        _clusterName = clusterName;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        ReconcileInterval = reconcileInterval ?? DefaultReconcileInterval;
    }

    /// <summary>Follows the agent a <see cref="SerfAgent"/> runs, in its cluster.</summary>
    internal ClusterMembership(SerfAgent agent, ILogger logger, TimeProvider? time = null, TimeSpan? reconcileInterval = null)
        : this(agent.ConnectAsync, agent.Options.ClusterName, logger, time, reconcileInterval)
    {
    }

    internal TimeSpan ReconcileInterval { get; }

    /// <summary>The alive members of this cluster, this node included once its agent lists it.</summary>
    internal MembershipSnapshot Current => Volatile.Read(ref _snapshot);

    /// <summary>Completes after the first successful read of the member list.</summary>
    internal Task Ready => _ready.Task;

    /// <summary>
    /// Raised after <see cref="Current"/> changed: members joined, departed (failed, left, reaped) or changed
    /// tags. Runs on the membership's own loop, one change at a time; a handler should not block.
    /// </summary>
    internal event Action<MembershipChange>? Changed;

    /// <summary>Starts following the agent; reconnects by itself when the agent restarts.</summary>
    internal void Start() => _loop ??= Task.Run(RunAsync);

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        CancellationToken stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var client = await _connect(stop).ConfigureAwait(false);
                await using var stream = await client.StreamAsync(MemberEvents, stop).ConfigureAwait(false);
                if (_lastError is not null)
                {
                    Log.Reconnected(_logger);
                    _lastError = null;
                }

                await FollowAsync(client, stream, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error)
            {
                // The agent is restarting, or not up yet (SerfRpcException), or something else went wrong:
                // the loop must outlive it. Say so once per distinct reason, and try again.
                if (error.Message != _lastError)
                {
                    Log.AgentUnreachable(_logger, error.Message);
                    _lastError = error.Message;
                }
            }

            try
            {
                await Task.Delay(ReconcileInterval, _time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Reads the list now, then again at every member event and every interval, until the connection ends.</summary>
    private async Task FollowAsync(SerfRpcClient client, SerfEventStream stream, CancellationToken stop)
    {
        Task<bool>? eventArrived = null;
        while (true)
        {
            Apply(await client.MembersAsync(stop).ConfigureAwait(false));
            _ready.TrySetResult();

            // Drain what arrived: the list just read already reflects it.
            while (stream.Events.TryRead(out _))
            {
            }

            eventArrived ??= stream.Events.WaitToReadAsync(stop).AsTask();
            var tick = Task.Delay(ReconcileInterval, _time, stop);
            var first = await Task.WhenAny(eventArrived, tick, client.Completion).ConfigureAwait(false);
            if (first == client.Completion || (first == eventArrived && !await eventArrived.ConfigureAwait(false)))
            {
                // The connection ended (the agent died or is restarting): surface why, reconnect.
                await client.Completion.ConfigureAwait(false);
                throw new SerfRpcException("the gossip agent closed its RPC connection");
            }

            if (first == eventArrived)
            {
                eventArrived = null;
            }
        }
    }

    private void Apply(IReadOnlyList<SerfMember> members)
    {
        var current = Current;
        var (next, change) = Reconcile(current, members, _clusterName, LogForeign);
        if (change is null)
        {
            return;
        }

        Interlocked.Exchange(ref _snapshot, next);
        foreach (var member in change.Joined)
        {
            Log.MemberJoined(_logger, member.Name, member.Address.ToString());
        }

        foreach (var (member, reason) in change.Departed)
        {
            Log.MemberDeparted(_logger, member.Name, reason);
        }

        try
        {
            Changed?.Invoke(change);
        }
        catch (Exception error)
        {
            Log.HandlerFailed(_logger, error);
        }
    }

    private void LogForeign(SerfMember member, string? cluster)
    {
        if (_foreignLogged.Add(member.Name))
        {
            Log.ForeignMember(_logger, member.Name, member.Address.ToString(), cluster ?? "(none)", _clusterName);
        }
    }

    /// <summary>
    /// The snapshot <paramref name="members"/> makes from <paramref name="current"/>, and what changed (null
    /// when nothing did). Only alive members tagged with <paramref name="clusterName"/> count; the others of
    /// another cluster are passed to <paramref name="foreign"/>.
    /// </summary>
    internal static (MembershipSnapshot Next, MembershipChange? Change) Reconcile(MembershipSnapshot current, IReadOnlyList<SerfMember> members, string clusterName, Action<SerfMember, string?> foreign)
    {
        var alive = new Dictionary<string, ClusterMember>(StringComparer.Ordinal);
        var why = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var member in members)
        {
            member.Tags.TryGetValue(SerfAgentOptions.ClusterTag, out string? cluster);
            if (cluster != clusterName)
            {
                foreign(member, cluster);
                why[member.Name] = "cluster";
                continue;
            }

            if (member.Status != SerfMemberStatus.Alive)
            {
                why[member.Name] = member.StatusText;
                continue;
            }

            alive[member.Name] = new ClusterMember(member.Name, member.Address, member.Port, member.Tags);
        }

        var joined = new List<ClusterMember>();
        var updated = new List<ClusterMember>();
        var departed = new List<(ClusterMember, string)>();
        foreach (var member in alive.Values)
        {
            if (!current.TryGet(member.Name, out var before))
            {
                joined.Add(member);
            }
            else if (!before.SameAs(member))
            {
                updated.Add(member);
            }
        }

        foreach (var member in current.Members)
        {
            if (!alive.ContainsKey(member.Name))
            {
                departed.Add((member, why.GetValueOrDefault(member.Name, "reaped")));
            }
        }

        if (joined.Count == 0 && updated.Count == 0 && departed.Count == 0)
        {
            return (current, null);
        }

        var next = new MembershipSnapshot(alive, current.Version + 1);
        return (next, new MembershipChange(joined, departed, updated, next));
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 920, Level = LogLevel.Information, Message = "cluster: {Node} ({Address}) joined")]
        internal static partial void MemberJoined(ILogger logger, string node, string address);

        [LoggerMessage(EventId = 921, Level = LogLevel.Information, Message = "cluster: {Node} is gone ({Reason})")]
        internal static partial void MemberDeparted(ILogger logger, string node, string reason);

        [LoggerMessage(EventId = 922, Level = LogLevel.Warning, Message = "cluster: refused {Node} ({Address}): it belongs to cluster {Cluster}, not {Ours}")]
        internal static partial void ForeignMember(ILogger logger, string node, string address, string cluster, string ours);

        [LoggerMessage(EventId = 923, Level = LogLevel.Warning, Message = "cluster: cannot follow the gossip agent ({Reason}); trying again")]
        internal static partial void AgentUnreachable(ILogger logger, string reason);

        [LoggerMessage(EventId = 924, Level = LogLevel.Information, Message = "cluster: following the gossip agent again")]
        internal static partial void Reconnected(ILogger logger);

        [LoggerMessage(EventId = 925, Level = LogLevel.Error, Message = "cluster: a membership change handler failed")]
        internal static partial void HandlerFailed(ILogger logger, Exception error);
    }
}
