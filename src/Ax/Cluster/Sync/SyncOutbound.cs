using System.Threading.Channels;

namespace Ax.Cluster.Sync;

/// <summary>
/// One subscriber's queue of encoded frames on the publisher, and the loop that writes them. Frames are
/// queued under the publisher's lock, so every subscriber sees the same order (a full table, then the
/// deltas from its version, digests between); the writing happens outside it, so one slow peer delays no
/// other. A peer that lets <see cref="SyncOptions.MaxQueuedFrames"/> pile up is dropped rather than
/// buffered without end.
/// </summary>
internal sealed class SyncOutbound(Stream stream, string node, SyncOptions options, TimeProvider time, SyncCounters counters)
{
    private readonly Channel<byte[]> _queue = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private int _queued;
    private volatile bool _overflowed;

    /// <summary>The subscriber's node name, from its hello.</summary>
    internal string Node => node;

    /// <summary>Queues a frame; false when the subscriber is too far behind and its connection is ending.</summary>
    internal bool Enqueue(byte[] frame)
    {
        if (Interlocked.Increment(ref _queued) > options.MaxQueuedFrames)
        {
            _overflowed = true;
            _queue.Writer.TryComplete();
            return false;
        }

        return _queue.Writer.TryWrite(frame);
    }

    internal void Complete() => _queue.Writer.TryComplete();

    /// <summary>Writes queued frames until the queue ends or a write fails; returns why it stopped. Never throws.</summary>
    internal async Task<SyncConnectionEnd> RunAsync(CancellationToken cancel)
    {
        try
        {
            await foreach (byte[] frame in _queue.Reader.ReadAllAsync(cancel).ConfigureAwait(false))
            {
                Interlocked.Decrement(ref _queued);
                using var timeout = new CancellationTokenSource(options.WriteTimeout, time);
                using var both = CancellationTokenSource.CreateLinkedTokenSource(cancel, timeout.Token);
                try
                {
                    await stream.WriteAsync(frame, both.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested)
                {
                    return new($"a write took longer than {options.WriteTimeout.TotalSeconds:0.#} s", Fault: true);
                }

                counters.Add(frame);
            }

            return _overflowed ? new($"it fell {options.MaxQueuedFrames} frames behind", Fault: true) : new("closed", Fault: false);
        }
        catch (OperationCanceledException)
        {
            return new("closed", Fault: false);
        }
        catch (Exception error) when (error is IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            return new(error.Message, Fault: false);
        }
    }
}
