namespace Ax.Cluster.Serf;

/// <summary>A user event (<c>serf event</c>, or <see cref="SerfRpcClient.UserEventAsync"/> on any node).</summary>
/// <param name="Name">The event's name.</param>
/// <param name="Payload">Its payload (512 bytes at most by default).</param>
/// <param name="LamportTime">Serf's Lamport clock when it was sent: orders events across nodes.</param>
/// <param name="Coalesce">Whether the sender let Serf coalesce it with others of the same name.</param>
internal sealed record SerfUserEvent(string Name, ReadOnlyMemory<byte> Payload, ulong LamportTime, bool Coalesce) : SerfEvent;
