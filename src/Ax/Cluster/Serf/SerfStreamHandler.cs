using System.Threading.Channels;
using MessagePack;

namespace Ax.Cluster.Serf;

/// <summary>
/// The frames of a <c>stream</c> subscription: first the agent's acknowledgement (a header alone), then one
/// header and record per event, on the same sequence number, until the connection ends. After a
/// <c>stop</c> the agent still sends what it had queued (ipc_event_stream.go drains its channel), so the
/// handler stays registered and drops those.
/// </summary>
internal sealed class SerfStreamHandler : SerfSeqHandler
{
    private readonly TaskCompletionSource _acknowledged = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Unbounded: the reader thread must never block on a slow consumer. The agent itself bounds what it
    // queues per stream (512 events, then it drops and logs "Dropping event").
    private readonly Channel<SerfEvent> _events = Channel.CreateUnbounded<SerfEvent>(new UnboundedChannelOptions { SingleWriter = true });
    private volatile bool _stopped;
    private bool _acked;

    internal Task Acknowledged => _acknowledged.Task;

    internal ChannelReader<SerfEvent> Events => _events.Reader;

    internal override bool ExpectsBody(in SerfResponseHeader header) => _acked && !IsBodilessError(header.Error);

    internal override bool Handle(in SerfResponseHeader header, ReadOnlyMemory<byte> body)
    {
        if (!_acked)
        {
            if (header.Error.Length > 0)
            {
                var error = new SerfRpcException($"the Serf agent refused 'stream': {header.Error}") { AgentError = header.Error };
                _acknowledged.TrySetException(error);
                _events.Writer.TryComplete(error);
                return true;
            }

            _acked = true;
            _acknowledged.TrySetResult();
            return false;
        }

        var reader = new MessagePackReader(body);
        SerfEvent? record = SerfWireReader.StreamRecord(ref reader);
        if (record is not null && !_stopped)
        {
            _events.Writer.TryWrite(record);
        }

        return false;
    }

    /// <summary>The subscription was stopped: the channel ends without an error, later records are dropped.</summary>
    internal void Stopped()
    {
        _stopped = true;
        _events.Writer.TryComplete();
    }

    internal override void Fail(Exception error)
    {
        _acknowledged.TrySetException(error);
        _events.Writer.TryComplete(error);
    }
}
