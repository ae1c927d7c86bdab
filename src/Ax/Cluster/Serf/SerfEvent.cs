namespace Ax.Cluster.Serf;

/// <summary>
/// One record of an RPC <c>stream</c> subscription: a member event, a user event or a query
/// (command/agent/ipc_event_stream.go). The agent coalesces member events for at least a second and can
/// lose a fail followed by a rejoin inside that window, so a consumer reconciles from <c>members</c> too.
/// </summary>
internal abstract record SerfEvent;
