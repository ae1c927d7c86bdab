using System.Net;
using Ax.Cluster;

namespace Ax.Tests.Cluster;

public sealed class SerfAgentOptionsTests
{
    [Fact]
    public void Arguments_BindTheNodeAddress_TagTheCluster_AndRetryEveryNeighbor()
    {
        var options = new SerfAgentOptions
        {
            NodeName = "host00",
            BindAddress = IPAddress.Parse("10.213.200.1"),
            GossipPort = 7950,
            RpcAddress = new IPEndPoint(IPAddress.Loopback, 7400),
            ClusterName = "prod",
            SyncPort = 6665,
            Neighbors = ["10.213.200.2", "10.213.200.3:7950"],
            EncryptKey = "a2V5",
        };

        Assert.Equal(
            [
                "agent", "-node=host00", "-bind=10.213.200.1:7950", "-rpc-addr=127.0.0.1:7400", "-profile=lan", "-log-level=info",
                "-tag", "ax-cluster=prod", "-tag", "ax-sync=6665",
                "-retry-join=10.213.200.2", "-retry-join=10.213.200.3:7950", "-retry-interval=2000ms", "-encrypt=a2V5",
            ],
            options.Arguments());
    }

    [Fact]
    public void Arguments_WithoutNeighbors_HaveNoJoinFlags()
    {
        var options = new SerfAgentOptions { NodeName = "n", BindAddress = IPAddress.Parse("10.213.200.1") };

        Assert.DoesNotContain(options.Arguments(), a => a.Contains("join", StringComparison.Ordinal) || a.Contains("retry", StringComparison.Ordinal));
        Assert.Contains("-bind=10.213.200.1:7946", options.Arguments());
        Assert.Contains("-rpc-addr=127.0.0.1:7373", options.Arguments());
    }

    [Fact]
    public void AutoDiscovery_AsksMdnsForThisClustersAgentsOnly()
    {
        var options = new SerfAgentOptions { NodeName = "n", BindAddress = IPAddress.Parse("10.213.200.1"), ClusterName = "prod", Discover = true };

        Assert.Contains("-discover=prod", options.Arguments());
        Assert.DoesNotContain(new SerfAgentOptions { NodeName = "n", BindAddress = IPAddress.Parse("10.213.200.1") }.Arguments(), a => a.StartsWith("-discover", StringComparison.Ordinal));
    }
}
