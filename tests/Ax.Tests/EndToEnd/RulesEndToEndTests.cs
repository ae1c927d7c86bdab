using System.Text.Json;

namespace Ax.Tests.EndToEnd;

/// <summary>
/// Amalgam8 routing rules at connect time (issue 18), with real servers (identity_server.py, one per
/// instance, labelled version=vN) and real clients under ax (routing_client.py), rules loaded through
/// `ax create rule -f` and through the Amalgam8 REST route /v1/rules. Statistical bounds are chosen so that a
/// correct build fails less than once in a million runs.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class RulesEndToEndTests
{
    [Fact]
    public void HelloworldSplit_SendsAQuarterOfConnectsToV2_LoadedThroughTheAmalgam8RestRoute()
    {
        using var node = TestNode.Create();
        StartServer(node, "helloworld", "version=v1", 5000, "v1");
        StartServer(node, "helloworld", "version=v2", 5000, "v2");
        string file = RuleFile(node, """
            {"rules": [{"id": "hello-split", "priority": 1, "destination": "helloworld",
              "route": {"backends": [{"tags": ["version=v2"], "weight": 0.25}, {"tags": ["version=v1"]}]}}]}
            """);

        var posted = node.Run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-H", "Content-Type: application/json",
            "--data-binary", "@" + file, "http://127.0.0.1:6664/v1/rules"]);
        using var client = Client(node, "tester");
        var tally = Ask(client, "tally helloworld 5000 400");

        Assert.Equal("201", posted.Stdout.Trim());
        // 400 connects at p = 0.25: 100 expected, sd 8.7; 5.3 sd either side.
        Assert.Equal(400, Count(tally, "v1") + Count(tally, "v2"));
        Assert.InRange(Count(tally, "v2"), 54, 146);
    }

    [Fact]
    public void SourceMatches_ByNameAndTags_AreTriedByPriority_LikeBookinfosJasonRule()
    {
        using var node = TestNode.Create();
        StartServer(node, "reviews", "version=v1", 9080, "v1");
        StartServer(node, "reviews", "version=v2", 9080, "v2");
        StartServer(node, "reviews", "version=v3", 9080, "v3");
        Load(node, """
            {"rules": [
              {"id": "reviews-default", "priority": 1, "destination": "reviews", "route": {"backends": [{"tags": ["version=v1"]}]}},
              {"id": "reviews-jason", "priority": 2, "destination": "reviews",
               "match": {"source": {"name": "productpage", "tags": ["user=jason"]}, "headers": {"Cookie": ".*?(user=jason).*?"}},
               "route": {"backends": [{"tags": ["version=v2"]}]}},
              {"id": "reviews-testers", "priority": 3, "destination": "reviews",
               "match": {"source": {"name": "productpage", "tags": ["group=testers"]}},
               "route": {"backends": [{"tags": ["version=v3"]}]}}]}
            """);

        using var plain = Client(node, "productpage");
        using var jason = Client(node, "productpage", "zone=default,user=jason");
        using var tester = Client(node, "productpage", "zone=default,user=jason,group=testers");
        using var ratings = Client(node, "ratings", "zone=default,user=jason,group=testers");

        Assert.Equal(20, Count(Ask(plain, "tally reviews 9080 20"), "v1"));
        Assert.Equal(20, Count(Ask(jason, "tally reviews 9080 20"), "v2"));
        Assert.Equal(20, Count(Ask(tester, "tally reviews 9080 20"), "v3"));
        Assert.Equal(20, Count(Ask(ratings, "tally reviews 9080 20"), "v1"));
    }

    [Fact]
    public void LeastRequest_SendsNewConnectsToTheInstanceWithFewestOpen()
    {
        using var node = TestNode.Create();
        StartServer(node, "details", "version=v1,inst=a", 9090, "a");
        StartServer(node, "details", "version=v1,inst=b", 9090, "b");
        Load(node, """
            {"rules": [
              {"id": "loader-to-a", "priority": 2, "destination": "details", "match": {"source": {"name": "loader"}},
               "route": {"backends": [{"tags": ["inst=a"], "lb_type": "least_request"}]}},
              {"id": "details-lr", "priority": 1, "destination": "details",
               "route": {"backends": [{"tags": ["version=v1"], "lb_type": "least_request"}]}}]}
            """);

        using var loader = Client(node, "loader");
        using var prober = Client(node, "prober");
        string loaded = Ask(loader, "hold details 9090 6");
        string probed = Ask(prober, "hold details 9090 6");

        // a holds 6 open: each of the prober's next 6 goes to b, which holds fewer (0 up to 5).
        Assert.Equal("""{"held": ["a", "a", "a", "a", "a", "a"]}""", loaded);
        Assert.Equal("""{"held": ["b", "b", "b", "b", "b", "b"]}""", probed);
    }

    [Fact]
    public void MaxConnections_RefusesTheExcess_AndAdmitsAgainAfterOneCloses()
    {
        using var node = TestNode.Create();
        StartServer(node, "ratings", "version=v1", 9070, "v1");
        Load(node, """
            {"rules": [{"id": "ratings-cap", "destination": "ratings",
              "route": {"backends": [{"tags": ["version=v1"], "resilience": {"max_connections": 2}}]}}]}
            """);

        using var holder = Client(node, "holder");
        using var prober = Client(node, "prober");
        string held = Ask(holder, "hold ratings 9070 2");
        string whileFull = Ask(prober, "tally ratings 9070 3");
        Ask(holder, "release");
        string? afterRelease = null;
        Wait.Until(() => Count(afterRelease = Ask(prober, "tally ratings 9070 1"), "v1") == 1, TimeSpan.FromSeconds(5), () => "still refused after the release: " + afterRelease);

        Assert.Equal("""{"held": ["v1", "v1"]}""", held);
        Assert.Equal(3, Count(whileFull, "refused"));
    }

    [Fact]
    public void ABackendThatRefusesConnections_IsEjectedForTheSleepWindow_AndTriedAgainAfter()
    {
        using var node = TestNode.Create();
        StartServer(node, "details", "version=v1,inst=good", 9090, "good");
        StartServer(node, "details", "version=v1,inst=bad", 9090, "bad");
        string badHostPort = node.Servers().Single(s => s.Labels.Contains("inst=bad")).Ipv4Addr.Split(':')[1];
        Load(node, """
            {"rules": [{"id": "details-eject", "destination": "details",
              "route": {"backends": [{"tags": ["version=v1"], "lb_type": "round_robin", "resilience": {"consecutive_errors": 2, "sleep_window": 3}}]}}]}
            """);

        // The bad instance's node port answers every SYN with a reset, as a crashed server's host would.
        string ruleset = Path.Combine(node.WorkDir, "reset.nft");
        File.WriteAllText(ruleset, $"table inet axtest {{\n  chain input {{\n    type filter hook input priority 0;\n    tcp dport {badHostPort} reject with tcp reset\n  }}\n}}\n");
        Shell.Check($"ip netns exec {node.Name} nft -f {ruleset}");
        using var prober = Client(node, "prober");
        string during = Ask(prober, "tally details 9090 10");
        Thread.Sleep(TimeSpan.FromSeconds(3.5));
        string after = Ask(prober, "tally details 9090 6");

        // Round robin tries the bad instance twice, then it is out; after the window one more try fails and it is out again.
        Assert.Equal((2, 8), (Count(during, "refused"), Count(during, "good")));
        Assert.Equal((1, 5), (Count(after, "refused"), Count(after, "good")));
    }

    [Fact]
    public void DelayAndAbortActions_ApplyToTheMatchedClients_Only()
    {
        using var node = TestNode.Create();
        StartServer(node, "reviews", "version=v1", 9080, "v1");
        Load(node, """
            {"rules": [
              {"id": "slow-jason", "priority": 2, "destination": "reviews", "match": {"source": {"name": "slowclient"}},
               "actions": [{"action": "delay", "duration": 1.5, "probability": 1, "tags": ["version=v1"]}]},
              {"id": "fail-blocked", "priority": 1, "destination": "reviews", "match": {"source": {"name": "blocked"}},
               "actions": [{"action": "abort", "return_code": 503, "tags": ["version=v1"]}]}]}
            """);

        using var slow = Client(node, "slowclient");
        using var fast = Client(node, "fastclient");
        using var blocked = Client(node, "blocked");
        using var slowDoc = JsonDocument.Parse(Ask(slow, "time reviews 9080"));
        using var fastDoc = JsonDocument.Parse(Ask(fast, "time reviews 9080"));
        string refused = Ask(blocked, "tally reviews 9080 3");

        Assert.Equal("v1", slowDoc.RootElement.GetProperty("name").GetString());
        Assert.InRange(slowDoc.RootElement.GetProperty("connect_ms").GetInt32(), 1450, 10000);
        Assert.Equal("v1", fastDoc.RootElement.GetProperty("name").GetString());
        Assert.InRange(fastDoc.RootElement.GetProperty("connect_ms").GetInt32(), 0, 1000);
        Assert.Equal(3, Count(refused, "refused"));
    }

    private static void StartServer(TestNode node, string name, string labels, int port, string identity)
    {
        int before = node.Servers().Count(s => s.Labels.Contains(labels.Split(',')[^1]));
        node.StartApp("--name", name, "--labels", "zone=default," + labels, "--", "python3", Scripts.Path("identity_server.py"), port.ToString(System.Globalization.CultureInfo.InvariantCulture), identity);
        Wait.Until(
            () => node.Servers().Count(s => s.Labels.Contains(labels.Split(',')[^1]) && s.ServiceAddr.EndsWith(":" + port, StringComparison.Ordinal)) > before,
            TimeSpan.FromSeconds(20),
            () => $"{name} {labels} did not start listening:\n{node.Ax("get", "servers")}\n{node.DescribeProcesses()}");
    }

    private static string RuleFile(TestNode node, string json)
    {
        string path = Path.Combine(node.WorkDir, $"rules-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }

    private static void Load(TestNode node, string json)
    {
        var created = node.Ax("create", "rule", "-f", RuleFile(node, json));
        Assert.True(created.ExitCode == 0, created.ToString());
    }

    private static BackgroundProcess Client(TestNode node, string name, string labels = "zone=default")
    {
        var client = node.StartApp("--name", name, "--labels", labels, "--", "python3", Scripts.Path("routing_client.py"));
        return client;
    }

    /// <summary>Sends one command and returns the JSON line it printed.</summary>
    private static string Ask(BackgroundProcess client, string command)
    {
        int before = Lines(client).Length;
        client.WriteLine(command);
        string[] lines = [];
        Wait.Until(() => (lines = Lines(client)).Length > before, TimeSpan.FromSeconds(60), () => $"no answer to '{command}': {client.Output}");
        return lines[before];
    }

    private static string[] Lines(BackgroundProcess client) =>
        client.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith('{')).ToArray();

    private static int Count(string tally, string name)
    {
        using var doc = JsonDocument.Parse(tally);
        return doc.RootElement.TryGetProperty(name, out JsonElement value) ? value.GetInt32() : 0;
    }
}
