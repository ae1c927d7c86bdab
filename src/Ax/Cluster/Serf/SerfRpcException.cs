namespace Ax.Cluster.Serf;

/// <summary>
/// A Serf RPC call failed: the agent answered with an error, did not answer in time, or the connection to it
/// ended or carried something that is not Serf's protocol. The message is one sentence for a person.
/// </summary>
internal sealed class SerfRpcException : Exception
{
    internal SerfRpcException(string message)
        : base(message)
    {
    }

    internal SerfRpcException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>The agent's own error text when the agent answered with one; null otherwise.</summary>
    internal string? AgentError { get; init; }
}
