namespace Ax.ServiceTable;

/// <summary>
/// The cluster's service table as this node sees it: one merged read model fed by sources, each the only
/// writer of its own node's rows. This node's interception writes <see cref="LocalNode"/>'s rows (listen,
/// app exit, the listener sweep); the table sync replaces a peer's rows with that peer's latest copy and
/// drops them when the peer leaves. Writers serialize on a lock and publish a new <see cref="ServiceSnapshot"/>;
/// connect-time readers take the current snapshot without locking (the pattern of YARP's InMemoryConfigProvider).
/// </summary>
internal sealed class ServiceRegistry(string localNode)
{
    private readonly Lock _writeLock = new();
    private ServiceSnapshot _snapshot = ServiceSnapshot.Empty;
    private long _generation;

    /// <summary>Raised after every change is published, on the writer's thread; handlers must not block.</summary>
    internal event Action? Changed;

    /// <summary>The node whose rows this daemon owns.</summary>
    internal string LocalNode { get; } = localNode;

    internal ServiceSnapshot Current => Volatile.Read(ref _snapshot);

    /// <summary>This node's own rows, by socket inode.</summary>
    internal IReadOnlyDictionary<ulong, ServiceEntry> Local => Current.RowsOf(LocalNode);

    /// <summary>
    /// Grows with every upsert. A sweep that read the kernel's socket list at generation G judges only
    /// entries made at or before G: a listener published while it was reading is not yet in its list.
    /// </summary>
    internal long Generation => Interlocked.Read(ref _generation);

    /// <summary>Adds or replaces a row of this node; true when the socket was not listed before.</summary>
    internal bool Upsert(ServiceEntry entry)
    {
        if (entry.Node != LocalNode)
        {
            throw new ArgumentException($"only rows of {LocalNode} are written here, not of {entry.Node}", nameof(entry));
        }

        bool isNew;
        lock (_writeLock)
        {
            isNew = !_snapshot.RowsOf(LocalNode).ContainsKey(entry.Inode);
            Volatile.Write(ref _snapshot, _snapshot.With(entry with { Generation = Interlocked.Increment(ref _generation) }));
        }

        Changed?.Invoke();
        return isNew;
    }

    /// <summary>Removes every row of this node that matches; returns the removed rows.</summary>
    internal IReadOnlyList<ServiceEntry> RemoveWhere(Func<ServiceEntry, bool> predicate)
    {
        List<ServiceEntry> removed;
        lock (_writeLock)
        {
            removed = [.. _snapshot.RowsOf(LocalNode).Values.Where(predicate)];
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

    /// <summary>
    /// Makes <paramref name="node"/>'s rows exactly <paramref name="rows"/> (a peer's latest copy): rows it no
    /// longer lists go, others are added or replaced. Never this node's own rows. Returns false for those.
    /// </summary>
    internal bool ReplaceNode(string node, IEnumerable<ServiceEntry> rows)
    {
        if (node == LocalNode)
        {
            return false;
        }

        bool changed = false;
        lock (_writeLock)
        {
            var wanted = new Dictionary<ulong, ServiceEntry>();
            foreach (ServiceEntry row in rows)
            {
                if (row.Node == node)
                {
                    wanted[row.Inode] = row;
                }
            }

            ServiceSnapshot next = _snapshot;
            foreach (ServiceEntry old in _snapshot.RowsOf(node).Values)
            {
                if (!wanted.TryGetValue(old.Inode, out ServiceEntry? now) || (!ReferenceEquals(old, now) && !SameRow(old, now)))
                {
                    next = next.Without(old);
                    changed = true;
                }
            }

            var kept = next.RowsOf(node);
            foreach (ServiceEntry row in wanted.Values)
            {
                if (!kept.ContainsKey(row.Inode))
                {
                    next = next.With(row);
                    changed = true;
                }
            }

            Volatile.Write(ref _snapshot, next);
        }

        if (changed)
        {
            Changed?.Invoke();
        }

        return true;
    }

    /// <summary>Drops every row of a peer (it left the cluster or was declared failed).</summary>
    internal void RemoveNode(string node) => ReplaceNode(node, []);

    /// <summary>Equal but for the generation stamp; labels by value (a peer's copy is a new set each time).</summary>
    private static bool SameRow(ServiceEntry a, ServiceEntry b) =>
        a with { Generation = 0, Labels = b.Labels } == b with { Generation = 0 } &&
        a.Labels.Labels.AsSpan().SequenceEqual(b.Labels.Labels.AsSpan());
}
