using System.Net;

namespace Ax.Cluster;

/// <summary>An alive member of this cluster: a node whose daemon gossips with ours.</summary>
/// <param name="Name">The node's name (unique in the cluster).</param>
/// <param name="Address">The node's address, where it gossips and serves.</param>
/// <param name="GossipPort">Its gossip port.</param>
/// <param name="Tags">Its tags, among them <see cref="SerfAgentOptions.ClusterTag"/>.</param>
internal sealed record ClusterMember(string Name, IPAddress Address, int GossipPort, IReadOnlyDictionary<string, string> Tags)
{
    /// <summary>The node's sync port from its <see cref="SerfAgentOptions.SyncPortTag"/> tag, when it has one.</summary>
    internal int? SyncPort =>
        Tags.TryGetValue(SerfAgentOptions.SyncPortTag, out string? text) && int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port) ? port : null;

    /// <summary>Same node, same address and same tags: nothing a consumer needs to act on changed.</summary>
    internal bool SameAs(ClusterMember other) =>
        Name == other.Name && Address.Equals(other.Address) && GossipPort == other.GossipPort &&
        Tags.Count == other.Tags.Count && Tags.All(t => other.Tags.TryGetValue(t.Key, out string? v) && v == t.Value);
}
