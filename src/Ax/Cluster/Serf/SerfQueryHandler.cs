using System.Threading.Channels;
using MessagePack;

namespace Ax.Cluster.Serf;

/// <summary>
/// The frames of a <c>query</c>: the agent's acknowledgement (a header alone), then one record per ack or
/// response, then a "done" record at the query's deadline (ipc_query_response_stream.go).
/// </summary>
internal sealed class SerfQueryHandler : SerfSeqHandler
{
    private readonly TaskCompletionSource _acknowledged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Channel<SerfQueryResponse> _responses = Channel.CreateUnbounded<SerfQueryResponse>(new UnboundedChannelOptions { SingleWriter = true });
    private bool _acked;

    internal Task Acknowledged => _acknowledged.Task;

    internal ChannelReader<SerfQueryResponse> Responses => _responses.Reader;

    internal override bool ExpectsBody(in SerfResponseHeader header) => _acked && !IsBodilessError(header.Error);

    internal override bool Handle(in SerfResponseHeader header, ReadOnlyMemory<byte> body)
    {
        if (!_acked)
        {
            if (header.Error.Length > 0)
            {
                var error = new SerfRpcException($"the Serf agent refused 'query': {header.Error}") { AgentError = header.Error };
                _acknowledged.TrySetException(error);
                _responses.Writer.TryComplete(error);
                return true;
            }

            _acked = true;
            _acknowledged.TrySetResult();
            return false;
        }

        var reader = new MessagePackReader(body);
        var (type, response) = SerfWireReader.QueryRecord(ref reader);
        if (type == "done")
        {
            _responses.Writer.TryComplete();
            return true;
        }

        _responses.Writer.TryWrite(response);
        return false;
    }

    internal override void Fail(Exception error)
    {
        _acknowledged.TrySetException(error);
        _responses.Writer.TryComplete(error);
    }
}
