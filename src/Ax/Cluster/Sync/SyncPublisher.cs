using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Ax.Cluster.Sync;

/// <summary>
/// Serves this node's table to the other daemons. A subscriber connects and says hello with the copy it
/// holds; it gets the table whole (or, when its copy is current, only a digest), then a delta per coalesced
/// burst of changes and a digest every <see cref="SyncOptions.DigestInterval"/>. One delta is computed and
/// encoded per burst and the same bytes go to every subscriber. The publisher never reads anything from a
/// subscriber after its hello, and never lets one subscriber's trouble reach another's connection.
/// </summary>
internal sealed partial class SyncPublisher : IAsyncDisposable
{
    private readonly SyncOptions _options;
    private readonly ILocalNodeTable _local;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly List<SyncOutbound> _subscribers = [];
    private readonly HashSet<Task> _connections = [];
    private readonly HashSet<string> _logged = new(StringComparer.Ordinal);
    private NodeTable _published;
    private byte[]? _publishedFull;
    private string? _publishedHash;
    private bool _flushPending;
    private HashSet<string> _leftOut = [];
    private TcpListener? _listener;
    private ITimer? _flushTimer;
    private ITimer? _digestTimer;
    private Task? _acceptLoop;

    internal SyncPublisher(SyncOptions options, ILocalNodeTable local, ILogger logger, TimeProvider? time = null)
    {
        _options = options;
        _local = local;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _published = NodeTable.Empty(local.Current.Node, local.Current.Cluster, local.Current.Incarnation);
    }

    /// <summary>What the publisher wrote, by frame kind.</summary>
    internal SyncCounters Counters { get; } = new();

    /// <summary>Where it listens (the port is known once <see cref="Start"/> returned).</summary>
    internal IPEndPoint LocalEndpoint => (IPEndPoint)(_listener ?? throw new InvalidOperationException("not started")).LocalEndpoint;

    /// <summary>Subscribers connected now.</summary>
    internal int SubscriberCount
    {
        get
        {
            lock (_lock)
            {
                return _subscribers.Count;
            }
        }
    }

    /// <summary>Binds the listener (a taken port throws <see cref="SocketException"/> here, for the daemon to report) and starts serving.</summary>
    internal void Start()
    {
        var listener = new TcpListener(new IPEndPoint(_options.ListenAddress, _options.Port));
        listener.Start();
        _listener = listener;
        lock (_lock)
        {
            _published = Publishable();
        }

        _flushTimer = _time.CreateTimer(_ => Flush(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _digestTimer = _time.CreateTimer(_ => SendDigests(), null, _options.DigestInterval, _options.DigestInterval);
        _local.Changed += OnChanged;
        _acceptLoop = Task.Run(AcceptLoopAsync);
        Log.Listening(_logger, LocalEndpoint.ToString());
    }

    public async ValueTask DisposeAsync()
    {
        _local.Changed -= OnChanged;
        _stop.Cancel();
        _listener?.Stop();
        if (_flushTimer is not null)
        {
            await _flushTimer.DisposeAsync().ConfigureAwait(false);
        }

        if (_digestTimer is not null)
        {
            await _digestTimer.DisposeAsync().ConfigureAwait(false);
        }

        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }

        Task[] connections;
        lock (_lock)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll(connections).ConfigureAwait(false);
        _stop.Dispose();
    }

    private void OnChanged()
    {
        lock (_lock)
        {
            if (!_flushPending)
            {
                _flushPending = true;
                _flushTimer?.Change(_options.CoalesceDelay, Timeout.InfiniteTimeSpan);
            }
        }
    }

    /// <summary>Publishes what changed since the last flush as one frame to every subscriber.</summary>
    private void Flush()
    {
        lock (_lock)
        {
            _flushPending = false;
            var current = Publishable();
            if (current.Incarnation == _published.Incarnation && current.Version == _published.Version)
            {
                return;
            }

            // A table that went backwards or restarted is not continued with a delta: everyone gets it whole.
            byte[] frame = current.Incarnation != _published.Incarnation || current.Version < _published.Version
                ? SyncFrameCodec.Encode(SyncFrameKind.Full, current)
                : SyncFrameCodec.Encode(SyncFrameKind.Delta, NodeTableDiff.Between(_published, current));
            _published = current;
            _publishedFull = null;
            _publishedHash = null;
            foreach (var subscriber in _subscribers)
            {
                subscriber.Enqueue(frame);
            }
        }
    }

    private void SendDigests()
    {
        lock (_lock)
        {
            if (_subscribers.Count == 0)
            {
                return;
            }

            byte[] frame = SyncFrameCodec.Encode(SyncFrameKind.Digest, Digest());
            foreach (var subscriber in _subscribers)
            {
                subscriber.Enqueue(frame);
            }
        }
    }

    /// <summary>The local table without the rows no subscriber would accept; under the lock.</summary>
    private NodeTable Publishable()
    {
        var leftOut = new List<string>();
        var table = SyncValidation.Publishable(_local.Current, leftOut);
        foreach (string why in leftOut)
        {
            // Once per row and reason, not at every flush while the row stays.
            if (!_leftOut.Contains(why))
            {
                Log.RowLeftOut(_logger, why);
            }
        }

        _leftOut = [.. leftOut];
        return table;
    }

    /// <summary>Under the lock.</summary>
    private SyncDigest Digest() => new(_published.Incarnation, _published.Version, _publishedHash ??= NodeTableHash.Of(_published));

    private async Task AcceptLoopAsync()
    {
        var stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener!.AcceptSocketAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception error) when (error is SocketException or ObjectDisposedException)
            {
                if (stop.IsCancellationRequested)
                {
                    return;
                }

                // Out of descriptors, say: the loop must outlive it.
                Log.AcceptFailed(_logger, error.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(100), _time, CancellationToken.None).ConfigureAwait(false);
                continue;
            }

            lock (_lock)
            {
                if (_connections.Count >= _options.MaxSubscribers)
                {
                    Log.TooManySubscribers(_logger, socket.RemoteEndPoint?.ToString() ?? "?", _options.MaxSubscribers);
                    socket.Dispose();
                    continue;
                }

                var task = Task.Run(() => ServeAsync(socket));
                _connections.Add(task);
                _ = task.ContinueWith(t => Forget(t), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }

    private void Forget(Task connection)
    {
        lock (_lock)
        {
            _connections.Remove(connection);
        }
    }

    /// <summary>One subscriber's connection, from its hello to its end; never throws.</summary>
    private async Task ServeAsync(Socket socket)
    {
        string remote = socket.RemoteEndPoint?.ToString() ?? "?";
        socket.NoDelay = true;
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        SyncOutbound? outbound = null;
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        try
        {
            SyncHello hello;
            using (var timeout = new CancellationTokenSource(_options.HandshakeTimeout, _time))
            using (var handshake = CancellationTokenSource.CreateLinkedTokenSource(connection.Token, timeout.Token))
            {
                try
                {
                    if (_options.WrapStream is { } wrap)
                    {
                        stream = await wrap(stream, SyncStreamSide.Publisher, null, handshake.Token).ConfigureAwait(false);
                    }

                    var first = await new SyncFrameReader(stream).ReadAsync(_options.MaxHelloBytes, handshake.Token).ConfigureAwait(false);
                    if (first is null)
                    {
                        return;
                    }

                    if (first.Value.Body is not SyncHello h)
                    {
                        throw new SyncProtocolException($"a {first.Value.Kind} frame before the hello");
                    }

                    hello = h;
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested)
                {
                    Log.HelloTimeout(_logger, remote, _options.HandshakeTimeout.TotalSeconds);
                    return;
                }
            }

            var table = _local.Current;
            string? refusal =
                hello.Protocol != SyncFrameCodec.ProtocolVersion ? $"protocol {hello.Protocol} is not {SyncFrameCodec.ProtocolVersion}"
                : hello.Cluster != table.Cluster ? $"node {hello.Node} belongs to cluster {hello.Cluster}, not {table.Cluster}"
                : hello.Peer != table.Node ? $"node {hello.Node} asked for node {hello.Peer}, but this is {table.Node}"
                : null;
            if (refusal is not null)
            {
                // A refused daemon retries every few seconds: one line per node and reason, not per try.
                if (Once(refusal))
                {
                    Log.Refused(_logger, remote, refusal);
                }

                using var timeout = new CancellationTokenSource(_options.HandshakeTimeout, _time);
                await stream.WriteAsync(SyncFrameCodec.Encode(SyncFrameKind.Refusal, new SyncRefusal(refusal)), timeout.Token).ConfigureAwait(false);
                return;
            }

            outbound = new SyncOutbound(stream, hello.Node, _options, _time, Counters);
            lock (_lock)
            {
                bool current = hello.Incarnation == _published.Incarnation && hello.Version == _published.Version;
                outbound.Enqueue(current
                    ? SyncFrameCodec.Encode(SyncFrameKind.Digest, Digest())
                    : _publishedFull ??= SyncFrameCodec.Encode(SyncFrameKind.Full, _published));
                _subscribers.Add(outbound);
            }

            Log.Subscribed(_logger, hello.Node, remote);
            var writing = outbound.RunAsync(connection.Token);
            var reading = ExpectEndAsync(stream, connection.Token);
            var ended = await Task.WhenAny(writing, reading).ConfigureAwait(false);
            var end = await ended.ConfigureAwait(false);
            if (end.Fault)
            {
                Log.SubscriberDropped(_logger, hello.Node, remote, end.Reason);
            }
            else
            {
                Log.Unsubscribed(_logger, hello.Node, remote, end.Reason);
            }

            connection.Cancel();
            outbound.Complete();
            await stream.DisposeAsync().ConfigureAwait(false);
            await Task.WhenAll(writing, reading).ConfigureAwait(false);
        }
        catch (SyncProtocolException error)
        {
            Log.ProtocolError(_logger, remote, error.Message);
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
        catch (System.Security.Authentication.AuthenticationException error)
        {
            // The stream wrapper (TLS) refused the peer: a daemon without a certificate of this cluster.
            if (Once(error.Message))
            {
                Log.Refused(_logger, remote, error.Message);
            }
        }
        catch (Exception error) when (error is IOException or SocketException or ObjectDisposedException)
        {
            Log.ConnectionFailed(_logger, remote, error.Message);
        }
        catch (Exception error)
        {
            // A bug, not the peer: it must cost this connection only, never the accept loop or the daemon.
            Log.ConnectionBug(_logger, remote, error);
        }
        finally
        {
            if (outbound is not null)
            {
                lock (_lock)
                {
                    _subscribers.Remove(outbound);
                }

                outbound.Complete();
            }

            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>True the first time <paramref name="what"/> is seen (remembers at most 1,024).</summary>
    private bool Once(string what)
    {
        lock (_lock)
        {
            if (_logged.Count >= 1024)
            {
                _logged.Clear();
            }

            return _logged.Add(what);
        }
    }

    /// <summary>
    /// Reads after the hello, where a subscriber sends nothing: returns at its end of stream, or at the first
    /// byte it sends (a protocol error, so the connection ends). Never throws.
    /// </summary>
    private static async Task<SyncConnectionEnd> ExpectEndAsync(Stream stream, CancellationToken cancel)
    {
        byte[] one = new byte[1];
        try
        {
            int got = await stream.ReadAsync(one, cancel).ConfigureAwait(false);
            return got == 0 ? new("the subscriber closed the connection", Fault: false) : new("it sent data after its hello", Fault: true);
        }
        catch (OperationCanceledException)
        {
            return new("closed", Fault: false);
        }
        catch (Exception error) when (error is IOException or ObjectDisposedException or SocketException)
        {
            return new(error.Message, Fault: false);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 930, Level = LogLevel.Information, Message = "sync: serving this node's table on {Endpoint}")]
        internal static partial void Listening(ILogger logger, string endpoint);

        [LoggerMessage(EventId = 931, Level = LogLevel.Debug, Message = "sync: {Node} ({Remote}) subscribed")]
        internal static partial void Subscribed(ILogger logger, string node, string remote);

        [LoggerMessage(EventId = 932, Level = LogLevel.Debug, Message = "sync: {Node} ({Remote}) unsubscribed: {Reason}")]
        internal static partial void Unsubscribed(ILogger logger, string node, string remote, string reason);

        [LoggerMessage(EventId = 933, Level = LogLevel.Warning, Message = "sync: refused a subscriber at {Remote}: {Reason}")]
        internal static partial void Refused(ILogger logger, string remote, string reason);

        [LoggerMessage(EventId = 934, Level = LogLevel.Warning, Message = "sync: closed the connection from {Remote}: {Reason}")]
        internal static partial void ProtocolError(ILogger logger, string remote, string reason);

        [LoggerMessage(EventId = 935, Level = LogLevel.Warning, Message = "sync: dropped subscriber {Node} ({Remote}): {Reason}; it will get the table whole when it reconnects")]
        internal static partial void SubscriberDropped(ILogger logger, string node, string remote, string reason);

        [LoggerMessage(EventId = 936, Level = LogLevel.Warning, Message = "sync: closed the connection from {Remote}: no hello within {Seconds} s")]
        internal static partial void HelloTimeout(ILogger logger, string remote, double seconds);

        [LoggerMessage(EventId = 937, Level = LogLevel.Warning, Message = "sync: refused a connection from {Remote}: {Max} subscribers already")]
        internal static partial void TooManySubscribers(ILogger logger, string remote, int max);

        [LoggerMessage(EventId = 938, Level = LogLevel.Warning, Message = "sync: cannot accept a connection ({Reason}); trying again")]
        internal static partial void AcceptFailed(ILogger logger, string reason);

        [LoggerMessage(EventId = 940, Level = LogLevel.Error, Message = "sync: not publishing a row of this node's table: {Reason}")]
        internal static partial void RowLeftOut(ILogger logger, string reason);

        [LoggerMessage(EventId = 941, Level = LogLevel.Error, Message = "sync: the connection from {Remote} failed")]
        internal static partial void ConnectionBug(ILogger logger, string remote, Exception error);

        [LoggerMessage(EventId = 939, Level = LogLevel.Debug, Message = "sync: the connection from {Remote} failed: {Reason}")]
        internal static partial void ConnectionFailed(ILogger logger, string remote, string reason);
    }
}
