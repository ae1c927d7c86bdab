using Ax.Api;
using Ax.Contracts;

namespace Ax.Tests.Cluster;

public sealed class NodeViewsTests
{
    [Fact]
    public void ADaemonWithoutGossip_ListsItselfAlone_WithNoGossipPort()
    {
        var self = new NodeInfo("host00", "prod", "10.0.0.5", "user", 6664, "40000-60000", 1);

        var node = Assert.Single(new NodeViews(self, gossip: null).Nodes());

        Assert.Equal(new ClusterNodeInfo("host00", "prod", "10.0.0.5", null, null, "alive"), node);
    }
}
