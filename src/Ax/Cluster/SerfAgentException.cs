namespace Ax.Cluster;

/// <summary>The gossip agent could not be started; the message says why and what to do, in one sentence.</summary>
internal sealed class SerfAgentException : Exception
{
    internal SerfAgentException(string message)
        : base(message)
    {
    }

    internal SerfAgentException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
