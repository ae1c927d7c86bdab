namespace Ax.Cluster.Serf;

/// <summary>
/// A query from some node, to answer with <see cref="SerfRpcClient.RespondAsync"/> and <paramref name="Id"/>
/// before the query's deadline. The id is the agent's, valid on this connection only.
/// </summary>
internal sealed record SerfQueryEvent(ulong Id, string Name, ReadOnlyMemory<byte> Payload, ulong LamportTime) : SerfEvent;
