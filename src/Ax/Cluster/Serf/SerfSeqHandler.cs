namespace Ax.Cluster.Serf;

/// <summary>
/// What the client's reader does with the frames of one sequence number: a single answer, an event stream,
/// or a query's answers. Called on the reader thread only, except <see cref="Fail"/>.
/// </summary>
internal abstract class SerfSeqHandler
{
    /// <summary>
    /// Errors after which the agent sends no body even for a command that has one (ipc.go, handleRequest:
    /// these are answered before the body is produced).
    /// </summary>
    internal static bool IsBodilessError(string error) =>
        error is "Handshake required" or "Unsupported command" or "Authentication required";

    internal abstract bool ExpectsBody(in SerfResponseHeader header);

    /// <summary>Takes one frame; returns true when this sequence number is finished and can be forgotten.</summary>
    internal abstract bool Handle(in SerfResponseHeader header, ReadOnlyMemory<byte> body);

    /// <summary>The connection ended: fail whoever waits.</summary>
    internal abstract void Fail(Exception error);
}
