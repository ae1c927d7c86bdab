using Ax.Cluster.Sync;

namespace Ax.Tests.Cluster.Sync;

/// <summary>A membership a test drives: who is alive, and where each serves its table.</summary>
internal sealed class FakeMembership : ISyncMembership
{
    private IReadOnlyList<SyncPeer> _members = [];

    public event Action? Changed;

    public IReadOnlyList<SyncPeer> Current => Volatile.Read(ref _members);

    internal void Set(params SyncPeer[] members)
    {
        Volatile.Write(ref _members, members);
        Changed?.Invoke();
    }
}
