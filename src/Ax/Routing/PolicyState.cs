using System.Collections.Concurrent;
using Ax.Addressing;

namespace Ax.Routing;

/// <summary>
/// What routing remembers between connects, kept outside the route table so a rule or table change does not reset
/// it: round-robin cursors, and servers ejected for failing (until when, and at how many failures in a row).
/// Thread-safe: every app's connects update it concurrently.
/// </summary>
internal sealed class PolicyState(TimeProvider time)
{
    /// <summary>Ejections beyond this many are pruned of the expired ones: servers that went away leave theirs behind.</summary>
    private const int PruneAbove = 4096;

    private readonly ConcurrentDictionary<CursorKey, Cursor> _cursors = new();
    private readonly ConcurrentDictionary<Ipv4Endpoint, Ejected> _ejected = new();

    internal TimeProvider Time { get; } = time;

    /// <summary>The next value of a rotation (0, 1, 2 ...), shared by every client of the node.</summary>
    internal ulong Advance(CursorKey key) => (ulong)Interlocked.Increment(ref _cursors.GetOrAdd(key, static _ => new Cursor()).Value);

    /// <summary>
    /// Whether <paramref name="server"/> may be picked now under <paramref name="ejection"/>, given its failures in a row.
    /// A server reaching the threshold is ejected for the sleep window; after it, one more connect may try (a server
    /// that fails again is ejected again at once), and a success (failures back to 0) clears it.
    /// </summary>
    internal bool IsAvailable(Ipv4Endpoint server, Ejection ejection, int consecutiveFailures)
    {
        long now = Time.GetTimestamp();
        if (_ejected.TryGetValue(server, out Ejected? state))
        {
            if (now < state.Until)
            {
                return false;
            }

            if (consecutiveFailures == 0)
            {
                _ejected.TryRemove(server, out _);
                return true;
            }

            if (consecutiveFailures <= state.FailuresAtEjection)
            {
                return true;
            }
        }
        else if (consecutiveFailures < ejection.ConsecutiveErrors)
        {
            return true;
        }

        if (_ejected.Count > PruneAbove)
        {
            foreach (var (key, value) in _ejected)
            {
                if (now >= value.Until)
                {
                    _ejected.TryRemove(key, out _);
                }
            }
        }

        long until = now + (long)(ejection.SleepWindow.TotalSeconds * Time.TimestampFrequency);
        _ejected[server] = new Ejected(until, consecutiveFailures);
        return false;
    }

    /// <summary>Forgets the rotations no rule or vservice names any more.</summary>
    internal void RetainCursors(IReadOnlySet<CursorKey> keep)
    {
        foreach (CursorKey key in _cursors.Keys)
        {
            if (key.Scope == CursorKey.RuleScope && !keep.Contains(key))
            {
                _cursors.TryRemove(key, out _);
            }
        }
    }

    private sealed class Cursor
    {
        internal long Value = -1;
    }

    private sealed record Ejected(long Until, int FailuresAtEjection);
}
