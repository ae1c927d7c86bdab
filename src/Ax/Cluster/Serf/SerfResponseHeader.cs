namespace Ax.Cluster.Serf;

/// <summary>
/// The header before every answer and every stream record (ipc.go, responseHeader): the sequence number of
/// the request it belongs to, and the agent's error text, empty on success.
/// </summary>
internal readonly record struct SerfResponseHeader(ulong Seq, string Error);
