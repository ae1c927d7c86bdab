namespace Ax.Cluster;

/// <summary>
/// The alive members of this cluster at one moment, immutable: readers take it without a lock and keep a
/// consistent view while the next one is built (swapped with Interlocked.Exchange, as YARP's
/// InMemoryConfigProvider does).
/// </summary>
internal sealed class MembershipSnapshot
{
    internal static readonly MembershipSnapshot Empty = new(new Dictionary<string, ClusterMember>(StringComparer.Ordinal), 0);

    private readonly Dictionary<string, ClusterMember> _byName;

    internal MembershipSnapshot(Dictionary<string, ClusterMember> byName, long version)
    {
        _byName = byName;
        Version = version;
        Members = [.. byName.Values.OrderBy(m => m.Name, StringComparer.Ordinal)];
    }

    /// <summary>Counts up by one with each change.</summary>
    internal long Version { get; }

    /// <summary>The alive members, by name.</summary>
    internal IReadOnlyList<ClusterMember> Members { get; }

    internal int Count => _byName.Count;

    internal bool TryGet(string name, out ClusterMember member) => _byName.TryGetValue(name, out member!);

    internal bool Contains(string name) => _byName.ContainsKey(name);
}
