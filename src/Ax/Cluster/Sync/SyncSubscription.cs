using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Ax.Cluster.Sync;

/// <summary>
/// Follows one peer's table for as long as the membership lists the peer: connects to its sync endpoint,
/// says hello with the copy it holds, applies what comes, and hands every new version whole to the sink.
/// Anything that does not fit (a delta from another version, a digest of another table) discards the
/// connection and subscribes again from scratch: the peer then sends its table whole (anti-entropy). A
/// connection that fails is retried with a doubling backoff; the copy and the sink's rows stay meanwhile,
/// until the membership says the node is gone (then <see cref="SyncFollower"/> removes them).
/// </summary>
internal sealed partial class SyncSubscription
{
    private readonly string _node;
    private readonly string _cluster;
    private readonly string _peer;
    private readonly SyncOptions _options;
    private readonly IPeerTableSink _sink;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _wakeLock = new();
    private CancellationTokenSource _wake = new();
    private volatile IPEndPoint? _endpoint;
    private CancellationTokenSource? _connection;
    private NodeTable? _copy;
    private string? _copyHash;
    private string? _lastError;
    private bool _steady;

    /// <param name="node">This node's name.</param>
    /// <param name="cluster">This node's cluster.</param>
    /// <param name="peer">The peer followed.</param>
    internal SyncSubscription(string node, string cluster, string peer, IPEndPoint? endpoint, SyncOptions options, IPeerTableSink sink, ILogger logger, TimeProvider time)
    {
        _node = node;
        _cluster = cluster;
        _peer = peer;
        _endpoint = endpoint;
        _options = options;
        _sink = sink;
        _logger = logger;
        _time = time;
    }

    internal IPEndPoint? Endpoint => _endpoint;

    /// <summary>The peer announced another sync endpoint (or none): drop the connection, use the new one.</summary>
    internal void Retarget(IPEndPoint? endpoint)
    {
        _endpoint = endpoint;
        Volatile.Read(ref _connection)?.Cancel();
        lock (_wakeLock)
        {
            _wake.Cancel();
        }
    }

    /// <summary>Follows the peer until <paramref name="stop"/>; never throws.</summary>
    internal async Task RunAsync(CancellationToken stop)
    {
        var backoff = _options.RetryMin;
        bool forceFull = false;
        while (!stop.IsCancellationRequested)
        {
            var endpoint = _endpoint;
            if (endpoint is null)
            {
                // Alive, but announcing no sync port yet: wait for the membership to tell us one.
                if (!await WaitAsync(Timeout.InfiniteTimeSpan, stop).ConfigureAwait(false))
                {
                    return;
                }

                continue;
            }

            Outcome outcome;
            try
            {
                outcome = await FollowOnceAsync(endpoint, forceFull, stop).ConfigureAwait(false);
            }
            catch (Exception error)
            {
                // A bug, not the peer: the loop must outlive it, or the peer's rows would never be removed.
                Log.FollowBug(_logger, _peer, error);
                outcome = Outcome.Failed;
            }

            bool again = outcome == Outcome.Retarget || (outcome == Outcome.Resync && (!forceFull || _steady));
            forceFull = outcome == Outcome.Resync;
            if (again)
            {
                // Anti-entropy or a new address: subscribe again at once (whole, for anti-entropy). A peer
                // whose fresh table does not fit at once again is retried with the backoff, not in a tight
                // loop; one that was steady for a while and then diverged is not held back.
                backoff = _options.RetryMin;
                continue;
            }

            if (outcome == Outcome.Applied)
            {
                backoff = _options.RetryMin;
            }

            if (!await WaitAsync(backoff, stop).ConfigureAwait(false))
            {
                return;
            }

            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.RetryMax.Ticks));
        }
    }

    private enum Outcome
    {
        /// <summary>The connection failed before anything was applied.</summary>
        Failed,

        /// <summary>The connection ended after the copy was brought up to date.</summary>
        Applied,

        /// <summary>The copy does not match the peer's: subscribe again, asking for the table whole.</summary>
        Resync,

        /// <summary>The endpoint changed.</summary>
        Retarget,
    }

    /// <summary>Waits <paramref name="delay"/> or until <see cref="Retarget"/>; false when stopped.</summary>
    private async Task<bool> WaitAsync(TimeSpan delay, CancellationToken stop)
    {
        CancellationTokenSource wake;
        lock (_wakeLock)
        {
            if (_wake.IsCancellationRequested)
            {
                // Retargeted since the last wait: go at once, and arm a fresh wake-up for the next one.
                _wake.Dispose();
                _wake = new CancellationTokenSource();
                return !stop.IsCancellationRequested;
            }

            wake = _wake;
        }

        using var either = CancellationTokenSource.CreateLinkedTokenSource(stop, wake.Token);
        try
        {
            await Task.Delay(delay, _time, either.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        return !stop.IsCancellationRequested;
    }

    private async Task<Outcome> FollowOnceAsync(IPEndPoint endpoint, bool forceFull, CancellationToken stop)
    {
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(stop);
        Volatile.Write(ref _connection, connection);
        if (!Equals(endpoint, _endpoint))
        {
            return Outcome.Retarget;
        }

        bool applied = false;
        int good = 0;
        _steady = false;
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        try
        {
            using (var timeout = new CancellationTokenSource(_options.HandshakeTimeout, _time))
            using (var handshake = CancellationTokenSource.CreateLinkedTokenSource(connection.Token, timeout.Token))
            {
                try
                {
                    await socket.ConnectAsync(endpoint, handshake.Token).ConfigureAwait(false);
                    stream = new NetworkStream(socket, ownsSocket: false);
                    if (_options.WrapStream is { } wrap)
                    {
                        stream = await wrap(stream, SyncStreamSide.Subscriber, _peer, handshake.Token).ConfigureAwait(false);
                    }

                    var copy = forceFull ? null : _copy;
                    var hello = new SyncHello(SyncFrameCodec.ProtocolVersion, _cluster, _node, _peer, copy?.Incarnation ?? 0, copy?.Version ?? 0);
                    await stream.WriteAsync(SyncFrameCodec.Encode(SyncFrameKind.Hello, hello), handshake.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested)
                {
                    return Unreachable(endpoint, $"no answer within {_options.HandshakeTimeout.TotalSeconds:0.#} s");
                }
            }

            var reader = new SyncFrameReader(stream);
            bool expectFull = forceFull || _copy is null;
            while (true)
            {
                SyncFrame? next;
                using (var idle = new CancellationTokenSource(_options.IdleTimeout, _time))
                using (var both = CancellationTokenSource.CreateLinkedTokenSource(connection.Token, idle.Token))
                {
                    try
                    {
                        next = await reader.ReadAsync(_options.MaxFrameBytes, both.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (idle.IsCancellationRequested)
                    {
                        Log.PeerSilent(_logger, _peer, endpoint.ToString(), _options.IdleTimeout.TotalSeconds);
                        return applied ? Outcome.Applied : Outcome.Failed;
                    }
                }

                if (next is not { } frame)
                {
                    Log.PeerClosed(_logger, _peer, endpoint.ToString());
                    return applied ? Outcome.Applied : Outcome.Failed;
                }

                switch (frame.Body)
                {
                    case NodeTable table:
                        if (table.Node != _peer || table.Cluster != _cluster)
                        {
                            throw new SyncProtocolException($"it sent the table of node {table.Node} in cluster {table.Cluster}");
                        }

                        Publish(NodeTableDiff.Sorted(table));
                        Healthy(endpoint);
                        _steady = ++good > 1;
                        expectFull = false;
                        applied = true;
                        break;

                    case SyncDelta delta:
                        var after = expectFull || _copy is null ? null : NodeTableDiff.Apply(_copy, delta);
                        if (after is null)
                        {
                            Log.Resync(_logger, _peer, $"a delta from version {delta.From} to a copy at {_copy?.Version ?? 0}");
                            return Outcome.Resync;
                        }

                        Publish(after);
                        _steady = ++good > 1;
                        applied = true;
                        break;

                    case SyncDigest digest:
                        if (_copy is null || expectFull && forceFull)
                        {
                            Log.Resync(_logger, _peer, "a digest where the table was due");
                            return Outcome.Resync;
                        }

                        _copyHash ??= NodeTableHash.Of(_copy);
                        if (digest.Incarnation != _copy.Incarnation || digest.Version != _copy.Version || digest.Hash != _copyHash)
                        {
                            Log.Resync(_logger, _peer, $"its digest (incarnation {digest.Incarnation:x}, version {digest.Version}) does not match the copy (incarnation {_copy.Incarnation:x}, version {_copy.Version})");
                            return Outcome.Resync;
                        }

                        Healthy(endpoint);
                        _steady = ++good > 1;
                        expectFull = false;
                        applied = true;
                        break;

                    case SyncRefusal refusal:
                        if (refusal.Reason != _lastError)
                        {
                            Log.RefusedByPeer(_logger, _peer, endpoint.ToString(), refusal.Reason);
                            _lastError = refusal.Reason;
                        }

                        return Outcome.Failed;

                    default:
                        throw new SyncProtocolException($"it sent a {frame.Kind} frame");
                }
            }
        }
        catch (SyncProtocolException error)
        {
            if (error.Message != _lastError)
            {
                Log.PeerProtocolError(_logger, _peer, endpoint.ToString(), error.Message);
                _lastError = error.Message;
            }

            return Outcome.Failed;
        }
        catch (OperationCanceledException)
        {
            return stop.IsCancellationRequested ? Outcome.Failed : Outcome.Retarget;
        }
        catch (System.Security.Authentication.AuthenticationException error)
        {
            // --tls refused the peer, or the peer refused this node (SyncTls says which): reached, not trusted.
            if (error.Message != _lastError)
            {
                Log.NotTrusted(_logger, _peer, endpoint.ToString(), error.Message);
                _lastError = error.Message;
            }

            return Outcome.Failed;
        }
        catch (Exception error) when (error is IOException or SocketException or ObjectDisposedException)
        {
            return applied ? Outcome.Applied : Unreachable(endpoint, error.Message);
        }
        finally
        {
            Volatile.Write(ref _connection, null);
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The peer answered as it should: say so once if it had not before.</summary>
    private void Healthy(IPEndPoint endpoint)
    {
        if (_lastError is not null)
        {
            Log.Reconnected(_logger, _peer, endpoint.ToString());
            _lastError = null;
        }
    }

    private Outcome Unreachable(IPEndPoint endpoint, string reason)
    {
        // Once per distinct reason: a peer that stays down is retried every few seconds, quietly.
        if (reason != _lastError)
        {
            Log.Unreachable(_logger, _peer, endpoint.ToString(), reason);
            _lastError = reason;
        }

        return Outcome.Failed;
    }

    private void Publish(NodeTable table)
    {
        if (_copy is null)
        {
            Log.Following(_logger, _peer, table.Apps.Length, table.Services.Length);
        }

        _copy = table;
        _copyHash = null;
        try
        {
            _sink.Apply(table);
        }
        catch (Exception error)
        {
            Log.SinkFailed(_logger, _peer, error);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 945, Level = LogLevel.Information, Message = "sync: following {Node}'s table ({Apps} apps, {Services} services)")]
        internal static partial void Following(ILogger logger, string node, int apps, int services);

        [LoggerMessage(EventId = 946, Level = LogLevel.Warning, Message = "sync: cannot reach {Node} at {Endpoint} ({Reason}); its rows stay, trying again")]
        internal static partial void Unreachable(ILogger logger, string node, string endpoint, string reason);

        [LoggerMessage(EventId = 947, Level = LogLevel.Information, Message = "sync: subscribing to {Node} again for its whole table: {Reason}")]
        internal static partial void Resync(ILogger logger, string node, string reason);

        [LoggerMessage(EventId = 957, Level = LogLevel.Warning, Message = "sync: not following {Node} at {Endpoint}: {Reason}; trying again")]
        internal static partial void NotTrusted(ILogger logger, string node, string endpoint, string reason);

        [LoggerMessage(EventId = 948, Level = LogLevel.Warning, Message = "sync: {Node} at {Endpoint} refused us: {Reason}")]
        internal static partial void RefusedByPeer(ILogger logger, string node, string endpoint, string reason);

        [LoggerMessage(EventId = 949, Level = LogLevel.Warning, Message = "sync: closed the connection to {Node} at {Endpoint}: {Reason}; trying again")]
        internal static partial void PeerProtocolError(ILogger logger, string node, string endpoint, string reason);

        [LoggerMessage(EventId = 950, Level = LogLevel.Information, Message = "sync: following {Node} at {Endpoint} again")]
        internal static partial void Reconnected(ILogger logger, string node, string endpoint);

        [LoggerMessage(EventId = 951, Level = LogLevel.Warning, Message = "sync: {Node} at {Endpoint} sent nothing for {Seconds} s; reconnecting")]
        internal static partial void PeerSilent(ILogger logger, string node, string endpoint, double seconds);

        [LoggerMessage(EventId = 952, Level = LogLevel.Debug, Message = "sync: {Node} at {Endpoint} closed the connection; reconnecting")]
        internal static partial void PeerClosed(ILogger logger, string node, string endpoint);

        [LoggerMessage(EventId = 954, Level = LogLevel.Error, Message = "sync: following {Node} failed; trying again")]
        internal static partial void FollowBug(ILogger logger, string node, Exception error);

        [LoggerMessage(EventId = 953, Level = LogLevel.Error, Message = "sync: the table could not take {Node}'s rows")]
        internal static partial void SinkFailed(ILogger logger, string node, Exception error);
    }
}
