using System.Net;

namespace Ax.Cluster.Sync;

/// <summary>The sync protocol's view of a <see cref="ClusterMembership"/>: each member with its <c>ax-sync</c> endpoint.</summary>
internal sealed class ClusterSyncMembership : ISyncMembership, IDisposable
{
    private readonly ClusterMembership _membership;

    internal ClusterSyncMembership(ClusterMembership membership)
    {
        _membership = membership;
        _membership.Changed += OnChanged;
    }

    public event Action? Changed;

    public IReadOnlyList<SyncPeer> Current =>
        [.. _membership.Current.Members.Select(m => new SyncPeer(m.Name, m.SyncPort is int port and > 0 and <= 65535 ? new IPEndPoint(m.Address, port) : null))];

    public void Dispose() => _membership.Changed -= OnChanged;

    private void OnChanged(MembershipChange change) => Changed?.Invoke();
}
