using MessagePack;

namespace Ax.Cluster.Serf;

/// <summary>A request answered by one header and, for some commands, one body.</summary>
internal sealed class SerfCallHandler<T> : SerfSeqHandler
{
    private readonly string _command;
    private readonly SerfBodyParser<T>? _parse;
    private readonly TaskCompletionSource<T> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="command">The command, for error messages.</param>
    /// <param name="parse">Decodes the body; null for a command answered by the header alone.</param>
    internal SerfCallHandler(string command, SerfBodyParser<T>? parse)
    {
        _command = command;
        _parse = parse;
    }

    internal Task<T> Answer => _answer.Task;

    internal override bool ExpectsBody(in SerfResponseHeader header) => _parse is not null && !IsBodilessError(header.Error);

    internal override bool Handle(in SerfResponseHeader header, ReadOnlyMemory<byte> body)
    {
        T value = default!;
        if (_parse is not null && !IsBodilessError(header.Error))
        {
            var reader = new MessagePackReader(body);
            value = _parse(ref reader);
        }

        if (header.Error.Length > 0)
        {
            _answer.TrySetException(new SerfRpcException($"the Serf agent refused '{_command}': {header.Error}") { AgentError = header.Error });
        }
        else
        {
            _answer.TrySetResult(value);
        }

        return true;
    }

    internal override void Fail(Exception error) => _answer.TrySetException(error);
}
