using System.Diagnostics;
using Xunit.Abstractions;

namespace Ax.Tests.EndToEnd;

/// <summary>
/// The cluster table through faults: a node killed with its apps, a partition that heals, a late joiner,
/// a daemon restarted under running apps. One cluster for the whole story, since each step breaks it.
/// </summary>
public sealed class ClusterFaultTests(ITestOutputHelper output)
{
    [Fact]
    public void KilledNode_Partition_LateJoiner_AndDaemonRestart_AllConvergeToOneTable()
    {
        using var cluster = TestCluster.Create(4);
        try
        {
            string neighbors = string.Join(',', cluster.Nodes.Take(3).Select(n => n.Address));
            var d1 = cluster.StartDaemon(cluster[0], "--neighbors", neighbors).WaitUntilServing();
            var d2 = cluster.StartDaemon(cluster[1], "--neighbors", neighbors).WaitUntilServing();
            var d3 = cluster.StartDaemon(cluster[2], "--neighbors", neighbors).WaitUntilServing();
            var daemons = new[] { d1, d2, d3 };
            Wait.Until(() => daemons.All(d => d.NodeNames().Length == 3), TimeSpan.FromSeconds(15), () => "three nodes did not form one cluster");

            using var s1 = d1.StartApp("--ip", "10.20.0.1", "--", "python3", Scripts.Path("serve_text.py"), "8000", "one");
            using var s2 = d2.StartApp("--ip", "10.20.0.2", "--", "python3", Scripts.Path("serve_text.py"), "8000", "two");
            using var s3 = d3.StartApp("--ip", "10.20.0.3", "--", "python3", Scripts.Path("serve_text.py"), "8000", "three");
            foreach (var daemon in daemons)
            {
                daemon.WaitForServers("10.20.0.1:8000");
                daemon.WaitForServers("10.20.0.2:8000");
                daemon.WaitForServers("10.20.0.3:8000");
            }

            // A late joiner gets the whole table.
            var clock = Stopwatch.StartNew();
            var d4 = cluster.StartDaemon(cluster[3], "--neighbors", cluster[0].Address.ToString()).WaitUntilServing();
            foreach (string vip in (string[])["10.20.0.1:8000", "10.20.0.2:8000", "10.20.0.3:8000"])
            {
                d4.WaitForServers(vip);
            }

            output.WriteLine($"late joiner had all three services {clock.ElapsedMilliseconds} ms after it started");
            var fetched = d4.AxInNode("run", "--", "curl", "-s", "--max-time", "5", "10.20.0.3:8000");
            Assert.Equal("three", fetched.Stdout.Trim());

            // node2 cut off the switch: after Serf declares it failed, the others drop its services; when the
            // link comes back it rejoins and its services return, with no restart of anything.
            clock.Restart();
            cluster.SetConnected(cluster[1], false);
            d1.WaitForNoServer("10.20.0.2:8000", TimeSpan.FromSeconds(20));
            output.WriteLine($"partitioned node's services dropped after {clock.ElapsedMilliseconds} ms");
            clock.Restart();
            cluster.SetConnected(cluster[1], true);
            d1.WaitForServers("10.20.0.2:8000", timeout: TimeSpan.FromSeconds(60));
            d4.WaitForServers("10.20.0.2:8000", timeout: TimeSpan.FromSeconds(30));
            d2.WaitForServers("10.20.0.3:8000");
            output.WriteLine($"partition healed: node2's services back {clock.ElapsedMilliseconds} ms after the link came up");

            // node1's daemon restarted under its running app: the app keeps serving and the service is re-announced.
            d1.Stop();
            d2.WaitForNoServer("10.20.0.1:8000", TimeSpan.FromSeconds(10));
            var d1b = cluster.StartDaemon(cluster[0], "--neighbors", neighbors).WaitUntilServing();
            d2.WaitForServers("10.20.0.1:8000", timeout: TimeSpan.FromSeconds(20));
            var again = d2.AxInNode("run", "--", "curl", "-s", "--max-time", "5", "10.20.0.1:8000");
            Assert.Equal("one", again.Stdout.Trim());

            // node3 killed outright, daemon, agent and app (SIGKILL by pid): its services leave every table.
            clock.Restart();
            d3.Kill();
            d1b.WaitForNoServer("10.20.0.3:8000", TimeSpan.FromSeconds(20));
            d4.WaitForNoServer("10.20.0.3:8000", TimeSpan.FromSeconds(20));
            output.WriteLine($"killed node's services gone from the others after {clock.ElapsedMilliseconds} ms");
        }
        finally
        {
            output.WriteLine(string.Join("\n", cluster.Daemons.Select(d => $"--- {d.NodeName} ---\n{d.Output}")));
        }
    }
}
