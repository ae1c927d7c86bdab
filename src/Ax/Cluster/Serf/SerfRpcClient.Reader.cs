using System.Net.Sockets;

namespace Ax.Cluster.Serf;

internal sealed partial class SerfRpcClient
{
    /// <summary>
    /// The largest frame accepted. A <c>members</c> answer is ~120 bytes per member plus its tags (at most
    /// 512), so 8 MiB holds more than ten thousand members; a length beyond it means garbage, not a cluster.
    /// </summary>
    internal const int MaxFrameBytes = 8 << 20;

    /// <summary>
    /// The reader thread: reads into one growing buffer and takes every complete frame from it. It blocks in
    /// recv(2), hence a dedicated thread rather than the thread pool (STYLE.md, "Concurrency").
    /// </summary>
    private void ReadLoop()
    {
        byte[] buffer = new byte[16 << 10];
        int start = 0;
        int end = 0;
        while (true)
        {
            try
            {
                while (start < end)
                {
                    int taken = SerfFrameDecoder.TryTake(buffer.AsMemory(start, end - start), ExpectsBody, out var header, out var body);
                    if (taken == 0)
                    {
                        break;
                    }

                    Dispatch(header, body);
                    start += taken;
                }
            }
            catch (Exception error)
            {
                // Bytes from the agent that are not its protocol, or a body that does not decode: the
                // framing is lost, so nothing after it can be trusted. One error, then the connection is closed.
                Close(new SerfRpcException($"the Serf agent at {_agent} sent a malformed RPC frame ({error.Message}); the connection is closed", error), faulted: true);
                return;
            }

            if (start == end)
            {
                start = end = 0;
            }
            else if (end == buffer.Length)
            {
                if (start > 0)
                {
                    Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    start = 0;
                }
                else if (buffer.Length >= MaxFrameBytes)
                {
                    Close(new SerfRpcException($"the Serf agent at {_agent} sent a frame larger than {MaxFrameBytes >> 20} MiB; the connection is closed"), faulted: true);
                    return;
                }
                else
                {
                    Array.Resize(ref buffer, Math.Min(buffer.Length * 2, MaxFrameBytes));
                }
            }

            int received;
            try
            {
                received = _socket.Receive(buffer, end, buffer.Length - end, SocketFlags.None);
            }
            catch (Exception error) when (error is SocketException or ObjectDisposedException)
            {
                bool disposed = IsClosed;
                Close(new SerfRpcException($"the connection to the Serf agent at {_agent} failed: {(error as SocketException)?.SocketErrorCode.ToString() ?? "closed"}", error), faulted: !disposed);
                return;
            }

            if (received == 0)
            {
                Close(
                    start == end
                        ? new SerfRpcException($"the Serf agent at {_agent} closed the RPC connection")
                        : new SerfRpcException($"the Serf agent at {_agent} closed the RPC connection in the middle of a frame ({end - start} bytes of it received)"),
                    faulted: start != end);
                return;
            }

            end += received;
        }
    }

    private bool ExpectsBody(SerfResponseHeader header)
    {
        SerfSeqHandler? handler;
        lock (_handlers)
        {
            _handlers.TryGetValue(header.Seq, out handler);
        }

        // Every answer belongs to a request this client sent; an unknown number means the framing is lost.
        return handler is null
            ? throw new InvalidDataException($"an answer to sequence number {header.Seq}, which this client never sent")
            : handler.ExpectsBody(header);
    }

    private void Dispatch(in SerfResponseHeader header, ReadOnlyMemory<byte> body)
    {
        SerfSeqHandler handler;
        lock (_handlers)
        {
            handler = _handlers[header.Seq];
        }

        if (handler.Handle(header, body))
        {
            lock (_handlers)
            {
                _handlers.Remove(header.Seq);
            }
        }
    }

    /// <summary>
    /// Closes the client once: records why, fails every waiting handler with that error and ends
    /// <see cref="Completion"/>. Later calls return the first error.
    /// </summary>
    private SerfRpcException Close(SerfRpcException error, bool faulted)
    {
        SerfSeqHandler[] waiting;
        lock (_handlers)
        {
            var first = Interlocked.CompareExchange(ref _closedError, error, null);
            if (first is not null)
            {
                return first;
            }

            waiting = [.. _handlers.Values];
            _handlers.Clear();
        }

        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already reset by the peer: nothing to shut down.
        }
        catch (ObjectDisposedException)
        {
        }

        _socket.Dispose();
        foreach (var handler in waiting)
        {
            handler.Fail(error);
        }

        if (faulted)
        {
            _completion.TrySetException(error);
        }
        else
        {
            _completion.TrySetResult();
        }

        return error;
    }
}
