namespace Ax.ServiceTable;

/// <summary>
/// Which row of the cluster's service table: the node that owns the service and its socket there (the
/// socket's inode on that node; inodes are unique within one kernel, not across nodes).
/// </summary>
internal readonly record struct ServiceId(string Node, ulong Socket);
