namespace Ax.Routing;

/// <summary>
/// A server's connections from this node's apps: <see cref="Open"/> now (established, not yet closed), and
/// <see cref="ConsecutiveFailures"/>: connects that failed (refused, reset or timed out before established)
/// since the last one that succeeded.
/// </summary>
internal readonly record struct ConnectionCounts(int Open, int ConsecutiveFailures);
