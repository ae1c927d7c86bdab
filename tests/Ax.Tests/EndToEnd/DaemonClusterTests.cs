using System.Diagnostics;
using Xunit.Abstractions;

namespace Ax.Tests.EndToEnd;

/// <summary>
/// Real <c>ax daemon</c>s in the nodes of a <see cref="TestCluster"/>, each running its own serf agent:
/// what a user sees of the cluster through <c>ax get nodes</c> and the daemon's log.
/// </summary>
public sealed class DaemonClusterTests(ITestOutputHelper output)
{
    [Fact]
    public void ThreeDaemons_FormOneCluster_ADownNeighborIsRetried_AKilledAgentComesBack_AnotherClusterIsRefused_AndAStoppedDaemonLeaves()
    {
        using var cluster = TestCluster.Create(4);
        var clock = Stopwatch.StartNew();
        try
        {
            // node1 lists itself and node2, whose daemon is not up yet: node1 runs anyway, alone.
            var d1 = cluster.StartDaemon(cluster[0], "--neighbors", $"{cluster[0].Address},{cluster[1].Address}").WaitUntilServing();
            Assert.Equal(["node1"], d1.NodeNames());

            // node2 lists only itself, so it joins no one: node1's retries are what bring the two together.
            var d2 = cluster.StartDaemon(cluster[1], "--neighbors", cluster[1].Address.ToString()).WaitUntilServing();
            clock.Restart();
            WaitFor(() => d1.NodeNames().Length == 2 && d2.NodeNames().Length == 2, TimeSpan.FromSeconds(10), "node1 and node2 in one cluster", d1, d2);
            output.WriteLine($"a neighbor that came up late was joined {clock.ElapsedMilliseconds} ms after its daemon served");

            // node3 joins through node2 (with the port written out); every daemon lists the same three.
            var d3 = cluster.StartDaemon(cluster[2], "--neighbors", $"{cluster[1].Address}:7946").WaitUntilServing();
            var daemons = new[] { d1, d2, d3 };
            WaitFor(() => daemons.All(d => d.NodeNames().Length == 3), TimeSpan.FromSeconds(10), "three nodes listed on every node", daemons);
            foreach (var daemon in daemons)
            {
                var nodes = daemon.Nodes();
                Assert.Equal(["node1", "node2", "node3"], nodes.Select(n => n.NodeId));
                Assert.All(nodes, n => Assert.Equal(("appswitch", 7946, 7948, "alive"), (n.Cluster, n.GossipPort!.Value, n.SyncPort!.Value, n.Status)));
                Assert.Equal(cluster.Nodes.Take(3).Select(n => n.Address.ToString()), nodes.Select(n => n.NodeIp));
            }

            var table = d1.Ax("get", "nodes");
            output.WriteLine(table.Stdout);
            Assert.Contains($"node2    appswitch   {cluster[1].Address}", table.Stdout, StringComparison.Ordinal);
            Assert.StartsWith("NODEID", table.Stdout, StringComparison.Ordinal);

            // A daemon of another cluster joins node1: its agent gossips with ours, but no daemon lists it,
            // and node1 says once why.
            var d4 = cluster.StartDaemon(cluster[3], "--cluster", "elsewhere", "--neighbors", cluster[0].Address.ToString()).WaitUntilServing();
            WaitFor(() => d1.Output.Contains("refused node4", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "node1 logging node4 as refused", d1, d4);
            Assert.Single(d1.Output.Split('\n'), l => l.Contains("refused node4", StringComparison.Ordinal) && l.Contains("cluster elsewhere, not appswitch", StringComparison.Ordinal));
            Assert.All(daemons, d => Assert.DoesNotContain("node4", d.NodeNames()));
            Assert.Equal(["node4"], d4.NodeNames());
            Assert.Equal("elsewhere", Assert.Single(d4.Nodes()).Cluster);

            // node2's agent killed by its pid: its daemon restarts it. node2 lists no neighbor but itself, so
            // only the daemon joining the nodes it knew brings it back; node2 listing the others again proves it.
            int agent = d2.AgentPid ?? throw new InvalidOperationException($"node2 has no gossip agent running:\n{d2.Output}");
            clock.Restart();
            Process.GetProcessById(agent).Kill();
            WaitFor(() => d2.Output.Contains("gossip agent restarted", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "node2's agent restarted", d2);
            Assert.NotEqual(agent, d2.AgentPid);
            Assert.Contains("the gossip agent exited", d2.Output, StringComparison.Ordinal);
            WaitFor(() => daemons.All(d => d.NodeNames().Length == 3), TimeSpan.FromSeconds(10), "node2 rejoined and listed on every node", daemons);
            output.WriteLine($"a killed agent was restarted and rejoined {clock.ElapsedMilliseconds} ms after the kill");
            Assert.Contains("the restarted gossip agent rejoined 2 of the 2 nodes it knew", d2.Output, StringComparison.Ordinal);
            Assert.False(d2.HasExited);

            // node3's daemon stopped: it leaves, and the others drop it well before failure detection (~6 s) would.
            clock.Restart();
            d3.Stop();
            output.WriteLine($"node3's daemon stopped in {clock.ElapsedMilliseconds} ms");
            Assert.Equal(0, d3.ExitCode);
            WaitFor(() => d1.NodeNames().Length == 2 && d2.NodeNames().Length == 2, TimeSpan.FromSeconds(3), "node3 dropped by node1 and node2", d1, d2);
            output.WriteLine($"node3 dropped by the others {clock.ElapsedMilliseconds} ms after its stop began");
            Assert.Matches(@"node3 is gone \((leaving|left)\)", d1.Output);
            Assert.Null(d3.AgentPid);
        }
        finally
        {
            output.WriteLine(string.Join("\n", cluster.Daemons.Select(d => $"--- {d.NodeName} ---\n{d.Output}")));
        }
    }

    [Fact]
    public void GossipPortTaken_DaemonExitsNonZero_SayingWhichPortAndWhatToDo()
    {
        using var cluster = TestCluster.Create(1);
        var node = cluster[0];
        using var squatter = cluster.Start(node, "python3", "-c",
            $"import socket,time\ns=socket.socket()\ns.bind(('{node.Address}',7946))\ns.listen()\nprint('bound',flush=True)\ntime.sleep(120)");
        Wait.Until(() => squatter.Output.Contains("bound", StringComparison.Ordinal), TimeSpan.FromSeconds(10), () => squatter.Output);

        var daemon = cluster.StartDaemon(node, "--neighbors", node.Address.ToString());
        Assert.True(daemon.WaitForExit(TimeSpan.FromSeconds(20)), $"the daemon kept running:\n{daemon.Output}");

        Assert.Equal(1, daemon.ExitCode);
        Assert.Contains($"ax: the gossip port {node.Address}:7946 is in use; pass --gossip-port with a free port", daemon.Output, StringComparison.Ordinal);
        Assert.Null(daemon.AgentPid);
    }

    [Fact]
    public void SerfMissing_DaemonWithNeighborsExitsNonZero_SayingWhatToInstall_WhileOneWithoutRunsSingleNode()
    {
        using var cluster = TestCluster.Create(2);
        var noSerf = new Dictionary<string, string> { ["PATH"] = "/nonexistent" };

        var daemon = cluster.StartDaemon(cluster[0], noSerf, "--neighbors", cluster[1].Address.ToString());
        Assert.True(daemon.WaitForExit(TimeSpan.FromSeconds(20)), $"the daemon kept running:\n{daemon.Output}");

        Assert.Equal(1, daemon.ExitCode);
        Assert.Contains("ax: cannot start the gossip agent 'serf' (not found on PATH); install it (Debian: apt-get install serf) or run the daemon without --neighbors and --gossip-auto-discover", daemon.Output, StringComparison.Ordinal);
        Assert.Equal(["node2"], cluster.StartDaemon(cluster[1], noSerf).WaitUntilServing().NodeNames());
    }

    [Fact]
    public void AutoDiscovery_FindsTheOtherNodesOverMdns_AndSaysSoWhenTheNodeHasNoMulticastRoute()
    {
        using var cluster = TestCluster.Create(3);

        // node1 has only its subnet's route, as every test node: discovery cannot send a query.
        var lonely = cluster.StartDaemon(cluster[0], "--gossip-auto-discover").WaitUntilServing();
        Assert.Contains("--gossip-auto-discover cannot find any node: this node has no route for multicast (224.0.0.251", lonely.Output, StringComparison.Ordinal);
        Assert.Contains("ip route add 224.0.0.0/4 dev eth0", lonely.Output, StringComparison.Ordinal);

        // node2 and node3 get the route the sentence asks for, and find each other with no --neighbors.
        TestCluster.Run(cluster[1], "ip", "route", "add", "224.0.0.0/4", "dev", "eth0");
        TestCluster.Run(cluster[2], "ip", "route", "add", "224.0.0.0/4", "dev", "eth0");
        var d2 = cluster.StartDaemon(cluster[1], "--gossip-auto-discover").WaitUntilServing();
        var d3 = cluster.StartDaemon(cluster[2], "--gossip-auto-discover").WaitUntilServing();
        // node1 cannot ask, but it still answers the others' questions (over IPv6), so they may find it too.
        string[] pair = ["node2", "node3"];
        WaitFor(() => d2.NodeNames().Intersect(pair).Count() == 2 && d3.NodeNames().Intersect(pair).Count() == 2, TimeSpan.FromSeconds(15), "node2 and node3 discovering each other", d2, d3);
        Assert.DoesNotContain("--gossip-auto-discover", d2.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("--gossip-auto-discover", d3.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.0.0.2,db.local", "db.local")]
    [InlineData("10.0.0.2:99999", "10.0.0.2:99999")]
    [InlineData("10.0.0", "10.0.0")]
    [InlineData("fd00::2", "fd00::2")]
    public void GarbageNeighbors_ExitTwo_WithOneSentenceNamingTheEntry(string neighbors, string bad)
    {
        // Refused while parsing the command line, before the daemon touches anything.
        var result = Shell.Run(new ProcessStartInfo(AxBinary.Path, ["daemon", "--neighbors", neighbors]), null, TimeSpan.FromSeconds(30));

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(
            $"ax: --neighbors entry '{bad}' is not an IPv4 address or IPv4:port; give a csv of the other nodes' addresses, e.g. 10.0.0.2,10.0.0.3:7946; see 'ax daemon --help'",
            result.Stderr.Trim());
    }

    [Fact]
    public void SingleNodeDaemon_ListsItselfAlone_AndStartsNoGossipAgent()
    {
        using var cluster = TestCluster.Create(1);
        var daemon = cluster.StartDaemon(cluster[0]).WaitUntilServing();

        var node = Assert.Single(daemon.Nodes());
        Assert.Equal(("node1", "appswitch", cluster[0].Address.ToString(), null, "alive"), (node.NodeId, node.Cluster, node.NodeIp, node.GossipPort, node.Status));
        Assert.Null(daemon.AgentPid);
        Assert.DoesNotContain("serf", daemon.Output, StringComparison.Ordinal);
        Assert.Contains("-", daemon.Ax("get", "nodes").Stdout.Split('\n')[2], StringComparison.Ordinal);
    }

    private static void WaitFor(Func<bool> condition, TimeSpan timeout, string what, params ClusterDaemon[] daemons) =>
        Wait.Until(condition, timeout, () => $"not within {timeout.TotalSeconds} s: {what}\n{string.Join("\n", daemons.Select(d => $"--- {d.NodeName} ---\n{d.Output}"))}");
}
