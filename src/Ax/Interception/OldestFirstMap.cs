using System.Collections.Concurrent;

namespace Ax.Interception;

/// <summary>
/// A map that holds at most <see cref="Capacity"/> entries and, when a new one would pass that, forgets
/// the entry set longest ago, one at a time: a bound that costs the oldest answer, never every answer at
/// once. Reads take no lock (they are on the getpeername path); writes take a short one, so the order
/// of entries and their count agree.
/// </summary>
/// <remarks>
/// The order is a queue of (key, stamp) per write; setting a key again gives it a new stamp, and the
/// stale item it left in the queue is skipped when it comes up. So that updates of a few keys cannot
/// grow the queue without end, it is compacted to the live entries once it is twice the capacity.
/// </remarks>
internal sealed class OldestFirstMap<TKey, TValue>
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, (TValue Value, long Stamp)> _entries = new();
    private readonly Queue<(TKey Key, long Stamp)> _order = new();
    private readonly Lock _gate = new();
    private long _stamp;

    internal OldestFirstMap(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    internal int Capacity { get; }

    internal int Count => _entries.Count;

    internal bool IsEmpty => _entries.IsEmpty;

    internal void Set(TKey key, TValue value)
    {
        lock (_gate)
        {
            long stamp = ++_stamp;
            _entries[key] = (value, stamp);
            _order.Enqueue((key, stamp));
            while (_entries.Count > Capacity && _order.TryDequeue(out var oldest))
            {
                RemoveIfCurrent(oldest.Key, oldest.Stamp);
            }

            if (_order.Count > 2 * Capacity)
            {
                Compact();
            }
        }
    }

    internal bool TryGetValue(TKey key, out TValue value)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            value = entry.Value;
            return true;
        }

        value = default!;
        return false;
    }

    /// <summary>Removes the entry only if it was not set again since the queue item was made.</summary>
    private void RemoveIfCurrent(TKey key, long stamp)
    {
        if (_entries.TryGetValue(key, out var entry) && entry.Stamp == stamp)
        {
            _entries.TryRemove(new KeyValuePair<TKey, (TValue, long)>(key, entry));
        }
    }

    private void Compact()
    {
        int count = _order.Count;
        for (int i = 0; i < count; i++)
        {
            var item = _order.Dequeue();
            if (_entries.TryGetValue(item.Key, out var entry) && entry.Stamp == item.Stamp)
            {
                _order.Enqueue(item);
            }
        }
    }
}
