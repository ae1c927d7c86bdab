using System.Diagnostics;
using System.Text.Json;
using Ax.Contracts;
using Xunit.Abstractions;

namespace Ax.Tests.EndToEnd;

/// <summary>
/// Apps on different nodes of one cluster reach each other as on one node: real daemons with real serf
/// agents in the namespaces of a <see cref="TestCluster"/>, real python and curl under <c>ax run</c>. The
/// cluster is made once per class (<see cref="ThreeNodeCluster"/>) and every fact starts its own apps on it.
/// </summary>
public sealed class ClusterServingTests(ThreeNodeCluster cluster, ITestOutputHelper output) : IClassFixture<ThreeNodeCluster>
{
    [Fact]
    public void SeedWalkthrough_AServerOnOneNode_IsReachedByNameAndIpFromAnother_AndListedEverywhereUnderItsNode()
    {
        var (n1, n2, n3) = (cluster[0], cluster[1], cluster[2]);
        var clock = Stopwatch.StartNew();
        using var server = n1.StartApp("--ip", "10.10.1.1", "--name", "walk", "--", "python3", Scripts.Path("serve_text.py"), "8000", "hello-from-node1");
        n1.WaitForServers("10.10.1.1:8000");
        n2.WaitForServers("10.10.1.1:8000");
        output.WriteLine($"listen on node1 to listed on node2: {clock.ElapsedMilliseconds} ms (includes the app's start)");

        var byIp = n2.AxInNode("run", "--", "curl", "-s", "--max-time", "5", "10.10.1.1:8000");
        var byName = n2.AxInNode("run", "--", "curl", "-s", "--max-time", "5", "walk:8000");
        Assert.True(byIp.ExitCode == 0, byIp.ToString());
        Assert.Equal("hello-from-node1", byIp.Stdout.Trim());
        Assert.True(byName.ExitCode == 0, byName.ToString());
        Assert.Equal("hello-from-node1", byName.Stdout.Trim());

        // Every node lists the service under the node that owns it, at that node's address.
        foreach (var daemon in new[] { n1, n2, n3 })
        {
            var row = Assert.Single(daemon.WaitForServers("10.10.1.1:8000"));
            Assert.Equal(("node1", "appswitch"), (row.NodeId, row.Cluster));
            Assert.StartsWith(cluster.Cluster[0].Address + ":", row.Ipv4Addr, StringComparison.Ordinal);
        }

        var apps = JsonSerializer.Deserialize(n3.Ax("get", "apps", "--all-nodes", "-o", "json").Stdout, AxJsonContext.Default.AppInfoArray)!;
        Assert.Contains(apps, a => a.Name == "walk" && a.NodeId == "node1" && a.AppIp == "10.10.1.1");

        // The app exits: its service goes from every node.
        server.Signal(9);
        foreach (var daemon in new[] { n1, n2, n3 })
        {
            daemon.WaitForNoServer("10.10.1.1:8000");
        }
    }

    [Fact]
    public void ExposeOnAllNodes_IsReachedByAPlainClientAtEveryNodesAddress()
    {
        var (n1, n2) = (cluster[0], cluster[1]);
        using var server = n1.StartApp("--ip", "10.10.2.1", "--expose", "8000:0.0.0.0:10000", "--", "python3", Scripts.Path("serve_text.py"), "8000", "exposed");
        n2.WaitForServers("10.10.2.1:8000");

        foreach (var node in cluster.Cluster.Nodes.Take(3))
        {
            // curl runs in node2's namespace, not under ax: a client outside the cluster's apps.
            CommandResult result = default!;
            Wait.Until(
                () => (result = TestCluster.Run(cluster.Cluster[1], "curl", "-s", "--max-time", "3", $"{node.Address}:10000")).ExitCode == 0,
                TimeSpan.FromSeconds(10),
                () => $"{node.Address}:10000 did not answer: {result}\n{n2.Output}");
            Assert.Equal("exposed", result.Stdout.Trim());
        }
    }

    [Fact]
    public void LoadBalancing_SpansServersOnTwoNodes_AndLabelsHoldAcrossNodes()
    {
        var (n1, n2, n3) = (cluster[0], cluster[1], cluster[2]);
        using var a = n1.StartApp("--ip", "10.10.3.1", "--labels", "role=db", "--", "python3", Scripts.Path("serve_text.py"), "8000", "node1");
        using var b = n2.StartApp("--ip", "10.10.3.1", "--labels", "role=db", "--", "python3", Scripts.Path("serve_text.py"), "8000", "node2");
        n3.WaitForServers("10.10.3.1:8000", count: 2);

        // 40 connects, each picks one of two servers at random: one never picked has odds 2^-39.
        var seen = new Dictionary<string, int>();
        var result = n3.AxInNode("run", "--labels", "role=db", "--", "sh", "-c", "for i in $(seq 40); do curl -s --max-time 5 10.10.3.1:8000; done");
        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (string line in result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            seen[line] = seen.GetValueOrDefault(line) + 1;
        }

        output.WriteLine(string.Join(", ", seen.Select(p => $"{p.Key}: {p.Value}")));
        Assert.Equal(40, seen.Values.Sum());
        Assert.Equal(["node1", "node2"], seen.Keys.Order(StringComparer.Ordinal));

        // A client that shares no label with either server is refused, as on one node.
        var refused = n3.AxInNode("run", "--labels", "role=web", "--", "curl", "-s", "--max-time", "5", "10.10.3.1:8000");
        Assert.Equal(7, refused.ExitCode); // curl: failed to connect
    }

    [Fact]
    public void AServerOnAnotherNode_SeesTheClientsIp_InAcceptAndGetPeerName()
    {
        var (n1, n2) = (cluster[0], cluster[1]);
        using var server = n1.StartApp("--ip", "10.10.4.1", "--", "python3", Scripts.Path("names_server.py"), "7000");
        n2.WaitForServers("10.10.4.1:7000");

        var result = n2.AxInNode("run", "--ip", "10.10.4.2", "--", "python3", Scripts.Path("names_client.py"), "10.10.4.1", "7000");
        Assert.True(result.ExitCode == 0, result.ToString());
        var report = JsonDocument.Parse(result.Stdout).RootElement;
        int clientPort = report.GetProperty("local")[1].GetInt32();
        var seen = report.GetProperty("server");
        Assert.Equal($"[\"10.10.4.2\",{clientPort}]", seen.GetProperty("accepted_from").GetRawText().Replace(" ", ""));
        Assert.Equal($"[\"10.10.4.2\",{clientPort}]", seen.GetProperty("conn_peer").GetRawText().Replace(" ", ""));
        Assert.Equal("[\"10.10.4.1\",7000]", report.GetProperty("peer").GetRawText().Replace(" ", ""));
    }

    [Fact]
    public void AVServiceCreatedOnOneNode_ServesOnEveryNode_AndOnlyItsNodeDeletesIt()
    {
        var (n1, n2, n3) = (cluster[0], cluster[1], cluster[2]);
        using var server = n1.StartApp("--ip", "10.10.5.1", "--", "python3", Scripts.Path("serve_text.py"), "8000", "behind-vservice");
        n3.WaitForServers("10.10.5.1:8000");

        var created = n2.Ax("create", "vservice", "cvs", "--ip", "10.10.5.100", "--ports", "80:8000", "--backends", "10.10.5.1");
        Assert.True(created.ExitCode == 0, created.ToString());
        try
        {
            CommandResult result = default!;
            Wait.Until(
                () => (result = n3.AxInNode("run", "--", "curl", "-s", "--max-time", "3", "10.10.5.100:80")).ExitCode == 0,
                TimeSpan.FromSeconds(10),
                () => $"the vservice made on node2 did not serve on node3: {result}\n{n3.Ax("get", "vservices")}");
            Assert.Equal("behind-vservice", result.Stdout.Trim());

            var elsewhere = n3.Ax("delete", "vservice", "cvs");
            Assert.NotEqual(0, elsewhere.ExitCode);
            Assert.Contains("created on node node2", elsewhere.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            n2.Ax("delete", "vservice", "cvs");
        }

        Wait.Until(() => !n3.Ax("get", "vservices").Stdout.Contains("cvs", StringComparison.Ordinal), TimeSpan.FromSeconds(10), () => "the deleted vservice stayed on node3");
    }

    [Fact]
    public void ARuleCreatedOnOneNode_IsListedOnEveryNode_AndOnlyItsNodeDeletesIt()
    {
        var (n2, n3) = (cluster[1], cluster[2]);
        string file = Path.Combine(n2.RunDir, "..", "cluster-rule.json");
        File.WriteAllText(file, """{"rules": [{"id": "cluster-canary", "destination": "cweb", "route": {"backends": [{"tags": ["version=v2"], "weight": 0.1}, {"tags": ["version=v1"]}]}}]}""");

        var created = n2.Ax("create", "rule", "-f", file);
        Assert.True(created.ExitCode == 0, created.ToString());
        try
        {
            Wait.Until(() => n3.Ax("get", "rules").Stdout.Contains("cluster-canary", StringComparison.Ordinal), TimeSpan.FromSeconds(10),
                () => $"the rule made on node2 did not reach node3: {n3.Ax("get", "rules")}");
            Assert.Contains("version=v2:10% version=v1:90%", n3.Ax("get", "rules").Stdout, StringComparison.Ordinal);

            var elsewhere = n3.Ax("delete", "rule", "cluster-canary");
            Assert.NotEqual(0, elsewhere.ExitCode);
            Assert.Contains("created on node node2", elsewhere.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            n2.Ax("delete", "rule", "cluster-canary");
        }

        Wait.Until(() => !n3.Ax("get", "rules").Stdout.Contains("cluster-canary", StringComparison.Ordinal), TimeSpan.FromSeconds(10), () => "the deleted rule stayed on node3");
    }
}
