namespace Ax.Tests.EndToEnd;

/// <summary>
/// Three nodes on one switch, each running <c>ax daemon</c> with the same <c>--neighbors</c> list and the
/// DNS server on (its forwarder a closed port on the node's loopback: no name ever leaves the node). Made
/// once for a test class and shared by its facts, which start their own apps on it.
/// </summary>
public sealed class ThreeNodeCluster : IDisposable
{
    public ThreeNodeCluster()
    {
        Cluster = TestCluster.Create(3);
        try
        {
            string neighbors = string.Join(',', Cluster.Nodes.Select(n => n.Address));
            Daemons = [.. Cluster.Nodes.Select(n => Cluster.StartDaemon(n, "--neighbors", neighbors, "--dns-servers", "127.0.0.1:5399"))];
            foreach (var daemon in Daemons)
            {
                daemon.WaitUntilServing();
            }

            Wait.Until(
                () => Daemons.All(d => d.NodeNames().Length == 3),
                TimeSpan.FromSeconds(20),
                () => "three daemons did not form one cluster:\n" + string.Join("\n", Daemons.Select(d => $"--- {d.NodeName} ---\n{d.Output}")));
        }
        catch
        {
            Cluster.Dispose();
            throw;
        }
    }

    internal TestCluster Cluster { get; }

    internal IReadOnlyList<ClusterDaemon> Daemons { get; } = [];

    internal ClusterDaemon this[int index] => Daemons[index];

    public void Dispose() => Cluster.Dispose();
}
