namespace Ax.Routing.LoadBalancing;

/// <summary>What a policy may read for one pick: the rotation it advances and the kernel's counts.</summary>
internal readonly record struct PickContext(PolicyState State, CursorKey Cursor, IConnectionCounts Counts);
