namespace Ax.Cluster.Serf;

/// <summary>One node's answer to a query this client sent: an acknowledgement (when asked for) or a response.</summary>
/// <param name="IsAck">True for an acknowledgement, which carries no payload.</param>
/// <param name="From">The answering node's name.</param>
/// <param name="Payload">The response's payload.</param>
internal sealed record SerfQueryResponse(bool IsAck, string From, ReadOnlyMemory<byte> Payload);
