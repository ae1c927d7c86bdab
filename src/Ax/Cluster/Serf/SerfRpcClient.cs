using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace Ax.Cluster.Serf;

/// <summary>
/// A client of a Serf agent's RPC (MessagePack over TCP, command/agent/ipc.go): requests are tagged with a
/// sequence number and may be in flight together; one dedicated reader thread hands each answer and
/// stream record to the handler of its sequence number. When the connection ends, or the agent sends
/// something that is not its protocol, the client closes once: every waiting call and stream fails with
/// the same <see cref="SerfRpcException"/>, and <see cref="Completion"/> ends.
/// </summary>
internal sealed partial class SerfRpcClient : IAsyncDisposable
{
    /// <summary>The only IPC version Serf has (ipc.go, MinIPCVersion = MaxIPCVersion = 1).</summary>
    internal const int IpcVersion = 1;

    /// <summary>Defaults to 10 s, as Serf's own client (client/rpc_client.go, DefaultTimeout).</summary>
    internal static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly string _agent;
    private readonly TimeSpan _timeout;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Dictionary<ulong, SerfSeqHandler> _handlers = [];
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Thread _reader;
    private long _nextSeq = -1;
    private SerfRpcException? _closedError;

    private SerfRpcClient(Socket socket, string agent, TimeSpan timeout)
    {
        _socket = socket;
        _agent = agent;
        _timeout = timeout;
        _reader = new Thread(ReadLoop) { IsBackground = true, Name = "serf-rpc-reader" };
    }

    /// <summary>
    /// Ends when the connection has ended: normally when the agent closed it or the client was disposed,
    /// faulted with a <see cref="SerfRpcException"/> when the agent sent a malformed frame or the socket failed.
    /// </summary>
    internal Task Completion => _completion.Task;

    internal bool IsClosed => Volatile.Read(ref _closedError) is not null;

    /// <summary>
    /// Connects to the agent's RPC address and performs the handshake. <paramref name="socketFactory"/> makes
    /// the socket when it must come from elsewhere than the calling thread's network namespace (a test that
    /// talks to an agent inside a node namespace); by default a plain TCP socket.
    /// </summary>
    internal static async Task<SerfRpcClient> ConnectAsync(IPEndPoint rpcAddress, TimeSpan? timeout = null, Func<Socket>? socketFactory = null, CancellationToken cancellationToken = default)
    {
        TimeSpan limit = timeout ?? DefaultTimeout;
        var socket = socketFactory?.Invoke() ?? new Socket(rpcAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.NoDelay = true;
            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            connectTimeout.CancelAfter(limit);
            try
            {
                await socket.ConnectAsync(rpcAddress, connectTimeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new SerfRpcException($"the Serf agent's RPC at {rpcAddress} did not accept a connection within {limit.TotalSeconds:0.#} s");
            }
            catch (SocketException error)
            {
                throw new SerfRpcException($"cannot reach the Serf agent's RPC at {rpcAddress}: {error.SocketErrorCode}", error);
            }
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var client = new SerfRpcClient(socket, rpcAddress.ToString(), limit);
        client._reader.Start();
        try
        {
            var call = new SerfCallHandler<bool>("handshake", null);
            await client.SendAsync(call, (output, seq) => SerfRequestWriter.Handshake(output, seq, IpcVersion), cancellationToken).ConfigureAwait(false);
            await client.AwaitAsync(call.Answer, "handshake", cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return client;
    }

    /// <summary>Every member the agent knows, in any status (alive, leaving, left, failed).</summary>
    internal Task<IReadOnlyList<SerfMember>> MembersAsync(CancellationToken cancellationToken = default) =>
        CallAsync<IReadOnlyList<SerfMember>>("members", SerfWireReader.Members, (output, seq) => SerfRequestWriter.Bare(output, "members", seq), cancellationToken);

    /// <summary>
    /// Joins the agents at <paramref name="addresses"/> ("ip" or "ip:port"); returns how many answered. Fails
    /// only when none did. <paramref name="replay"/> false: old user events are not replayed to this node.
    /// </summary>
    internal Task<int> JoinAsync(IReadOnlyList<string> addresses, bool replay = false, CancellationToken cancellationToken = default) =>
        CallAsync<int>("join", SerfWireReader.JoinCount, (output, seq) => SerfRequestWriter.Join(output, seq, addresses, replay), cancellationToken);

    /// <summary>Sets (adds or replaces) and deletes this node's tags; the others see the change within ~200 ms.</summary>
    internal Task SetTagsAsync(IReadOnlyDictionary<string, string> set, IReadOnlyCollection<string>? delete = null, CancellationToken cancellationToken = default) =>
        CallAsync<bool>("tags", null, (output, seq) => SerfRequestWriter.Tags(output, seq, set, delete ?? []), cancellationToken);

    /// <summary>Sends a user event to every node (payload 512 bytes at most by default).</summary>
    internal Task UserEventAsync(string name, ReadOnlyMemory<byte> payload, bool coalesce = false, CancellationToken cancellationToken = default) =>
        CallAsync<bool>("event", null, (output, seq) => SerfRequestWriter.Event(output, seq, name, payload.Span, coalesce), cancellationToken);

    /// <summary>
    /// Leaves the cluster gracefully; the agent then shuts down, which ends this connection (normally).
    /// </summary>
    internal Task LeaveAsync(CancellationToken cancellationToken = default) =>
        CallAsync<bool>("leave", null, (output, seq) => SerfRequestWriter.Bare(output, "leave", seq), cancellationToken);

    /// <summary>
    /// Subscribes to events. <paramref name="filter"/> is Serf's: "*", or a comma list of "member-join",
    /// "member-leave", "member-failed", "member-update", "member-reap", "user", "user:NAME", "query".
    /// </summary>
    internal async Task<SerfEventStream> StreamAsync(string filter, CancellationToken cancellationToken = default)
    {
        var handler = new SerfStreamHandler();
        ulong seq = await SendAsync(handler, (output, seq) => SerfRequestWriter.Stream(output, seq, filter), cancellationToken).ConfigureAwait(false);
        await AwaitAsync(handler.Acknowledged, "stream", cancellationToken).ConfigureAwait(false);
        return new SerfEventStream(this, seq, handler);
    }

    /// <summary>Stops the stream with sequence number <paramref name="streamSeq"/> (<see cref="SerfEventStream.StopAsync"/>).</summary>
    internal Task StopAsync(ulong streamSeq, CancellationToken cancellationToken = default) =>
        CallAsync<bool>("stop", null, (output, seq) => SerfRequestWriter.Stop(output, seq, streamSeq), cancellationToken);

    /// <summary>
    /// Sends a query to the nodes (all, or those named or tagged as given); the answers arrive on the returned
    /// channel, which completes at the query's deadline (<paramref name="timeout"/>; zero: Serf's default).
    /// </summary>
    internal async Task<ChannelReader<SerfQueryResponse>> QueryAsync(string name, ReadOnlyMemory<byte> payload, TimeSpan timeout, bool requestAck = false, IReadOnlyList<string>? filterNodes = null, IReadOnlyDictionary<string, string>? filterTags = null, CancellationToken cancellationToken = default)
    {
        var handler = new SerfQueryHandler();
        await SendAsync(handler, (output, seq) => SerfRequestWriter.Query(output, seq, name, payload.Span, timeout, requestAck, filterNodes, filterTags), cancellationToken).ConfigureAwait(false);
        await AwaitAsync(handler.Acknowledged, "query", cancellationToken).ConfigureAwait(false);
        return handler.Responses;
    }

    /// <summary>Answers the query <paramref name="queryId"/> (from a <see cref="SerfQueryEvent"/> on this connection).</summary>
    internal Task RespondAsync(ulong queryId, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default) =>
        CallAsync<bool>("respond", null, (output, seq) => SerfRequestWriter.Respond(output, seq, queryId, payload.Span), cancellationToken);

    private async Task<T> CallAsync<T>(string command, SerfBodyParser<T>? parse, Action<IBufferWriter<byte>, ulong> write, CancellationToken cancellationToken)
    {
        var call = new SerfCallHandler<T>(command, parse);
        await SendAsync(call, write, cancellationToken).ConfigureAwait(false);
        return await AwaitAsync(call.Answer, command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits for an answer for at most the client's timeout. The handler stays registered after a timeout or
    /// a cancellation: the agent's late answer must still be consumed, body and all, to keep the framing.
    /// </summary>
    private async Task<T> AwaitAsync<T>(Task<T> answer, string command, CancellationToken cancellationToken)
    {
        try
        {
            return await answer.WaitAsync(_timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new SerfRpcException($"the Serf agent at {_agent} did not answer '{command}' within {_timeout.TotalSeconds:0.#} s");
        }
    }

    private async Task AwaitAsync(Task answer, string command, CancellationToken cancellationToken) =>
        await AwaitAsync(answer.ContinueWith(t => { t.GetAwaiter().GetResult(); return true; }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default), command, cancellationToken).ConfigureAwait(false);

    private async Task<ulong> SendAsync(SerfSeqHandler handler, Action<IBufferWriter<byte>, ulong> write, CancellationToken cancellationToken)
    {
        ulong seq = (ulong)Interlocked.Increment(ref _nextSeq);
        var frame = new ArrayBufferWriter<byte>(256);
        write(frame, seq);
        lock (_handlers)
        {
            ThrowIfClosed();
            _handlers.Add(seq, handler);
        }

        try
        {
            await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Never sent, so never answered: forget it.
            lock (_handlers)
            {
                _handlers.Remove(seq);
            }

            throw;
        }

        try
        {
            ThrowIfClosed();
            ReadOnlyMemory<byte> rest = frame.WrittenMemory;
            while (!rest.IsEmpty)
            {
                int sent = await _socket.SendAsync(rest, SocketFlags.None, CancellationToken.None).ConfigureAwait(false);
                rest = rest[sent..];
            }
        }
        catch (SocketException error)
        {
            var closed = Close(new SerfRpcException($"the connection to the Serf agent at {_agent} failed: {error.SocketErrorCode}", error), faulted: true);
            throw closed;
        }
        finally
        {
            _writeLock.Release();
        }

        return seq;
    }

    private void ThrowIfClosed()
    {
        var error = Volatile.Read(ref _closedError);
        if (error is not null)
        {
            throw new SerfRpcException(error.Message, error);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Close(new SerfRpcException($"the client of the Serf agent at {_agent} was closed"), faulted: false);
        if (_reader.IsAlive && Thread.CurrentThread != _reader)
        {
            await Task.Run(() => _reader.Join(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        }
    }
}
