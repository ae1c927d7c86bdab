using Ax.Api.Http;
using Ax.Cluster;
using Ax.Contracts;

namespace Ax.Api;

/// <summary>
/// GET /api/v1/nodes (<c>ax get nodes</c>): the alive members of this node's cluster, from its gossip
/// membership; a daemon without gossip (no --neighbors, no --gossip-auto-discover) lists itself alone.
/// </summary>
internal sealed class NodeViews(NodeInfo self, ClusterGossip? gossip)
{
    internal static void Map(HttpRouter routes, NodeViews views) =>
        routes.MapGet(RestApi.Prefix + "/nodes", () => HttpResponse.Of(views.Nodes(), AxJsonContext.Default.ClusterNodeInfoArray));

    internal ClusterNodeInfo[] Nodes()
    {
        if (gossip is null)
        {
            return [new ClusterNodeInfo(self.NodeId, self.Cluster, self.NodeIp, null, null, "alive")];
        }

        var members = gossip.Membership.Current.Members;
        var rows = members.Select(m => new ClusterNodeInfo(
            m.Name,
            m.Tags.GetValueOrDefault(SerfAgentOptions.ClusterTag, self.Cluster),
            m.Address.ToString(),
            m.GossipPort,
            m.SyncPort,
            "alive")).ToList();

        // Until the agent's first member list is read, and should it be unreachable, this node still runs.
        if (!members.Any(m => m.Name == self.NodeId))
        {
            rows.Add(new ClusterNodeInfo(self.NodeId, self.Cluster, self.NodeIp, gossip.Options.GossipPort, gossip.Options.SyncPort, "alive"));
        }

        return [.. rows.OrderBy(r => r.NodeId, StringComparer.Ordinal)];
    }
}
