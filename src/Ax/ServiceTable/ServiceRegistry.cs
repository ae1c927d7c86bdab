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
    private long _generation;

    /// <summary>Raised after every change is published, on the writer's thread; handlers must not block.</summary>
    internal event Action? Changed;

    internal ServiceSnapshot Current => Volatile.Read(ref _snapshot);

    /// <summary>
    /// Grows with every upsert. A sweep that read the kernel's socket list at generation G judges only
    /// entries made at or before G: a listener published while it was reading is not yet in its list.
    /// </summary>
    internal long Generation => Interlocked.Read(ref _generation);

    /// <summary>Adds or replaces the entry of the entry's socket; true when the socket was not listed before.</summary>
    internal bool Upsert(ServiceEntry entry)
    {
        bool isNew;
        lock (_writeLock)
        {
            isNew = !_snapshot.ByInode.ContainsKey(entry.Inode);
            Volatile.Write(ref _snapshot, _snapshot.With(entry with { Generation = Interlocked.Increment(ref _generation) }));
        }

        Changed?.Invoke();
        return isNew;
    }

    /// <summary>Removes every entry that matches; returns the removed entries.</summary>
    internal IReadOnlyList<ServiceEntry> RemoveWhere(Func<ServiceEntry, bool> predicate)
    {
        List<ServiceEntry> removed;
        lock (_writeLock)
        {
            removed = _snapshot.ByInode.Values.Where(predicate).ToList();
            ServiceSnapshot next = _snapshot;
            foreach (ServiceEntry entry in removed)
            {
                next = next.Without(entry);
            }

            Volatile.Write(ref _snapshot, next);
        }

        if (removed.Count > 0)
        {
            Changed?.Invoke();
        }

        return removed;
    }
}
