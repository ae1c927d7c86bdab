namespace Ax.ServiceTable;

/// <summary>
/// The node's service table. Writers (listen, app exit, the sweeper) serialize on a lock and publish
/// a new <see cref="ServiceSnapshot"/>; connect-time readers take the current snapshot without locking
/// (the pattern of YARP's InMemoryConfigProvider).
/// </summary>
internal sealed class ServiceRegistry
{
    private readonly Lock _writeLock = new();
    private ServiceSnapshot _snapshot = ServiceSnapshot.Empty;

    internal ServiceSnapshot Current => Volatile.Read(ref _snapshot);

    internal void Upsert(ServiceEntry entry)
    {
        lock (_writeLock)
        {
            Volatile.Write(ref _snapshot, _snapshot.With(entry));
        }
    }

    /// <summary>Removes every entry that matches; returns the removed entries.</summary>
    internal IReadOnlyList<ServiceEntry> RemoveWhere(Func<ServiceEntry, bool> predicate)
    {
        lock (_writeLock)
        {
            var removed = _snapshot.ByInode.Values.Where(predicate).ToList();
            ServiceSnapshot next = _snapshot;
            foreach (ServiceEntry entry in removed)
            {
                next = next.Without(entry);
            }

            Volatile.Write(ref _snapshot, next);
            return removed;
        }
    }
}
