namespace Ax.Tests.EndToEnd;

/// <summary>
/// Servers and clients written the way Go's and Node's documentation shows, which nobody here wrote for
/// ax, tried as a new user would: a server under --ip and --name, curl under ax reaching it by name and
/// by IP, and the server seeing the client's --ip. Tests tagged Needs=... wait for a part of issue 16:
/// ipv6-takeover (Go's and Node's default listeners are one dual-stack AF_INET6 socket on [::]) and
/// accept-address (the address accept() returns, which Go reports as RemoteAddr).
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class RealProgramsTests
{
    [Fact]
    public void GoServer_Tcp4Listener_IsPublishedAndAnswersCurlByNameAndIp()
    {
        using var node = TestNode.Create();
        StartGo(node, ":8080", "tcp4");

        var (byName, byIp) = CurlByNameAndIp(node);

        Assert.Contains("hello from go", byName.Stdout);
        Assert.Contains("hello from go", byIp.Stdout);
    }

    [Fact]
    [Trait("Needs", "ipv6-takeover")]
    [Trait("Needs", "accept-address")]
    public void GoServer_DefaultDualStackListener_IsPublishedAndAnswersCurlByNameAndIp_AndSeesTheClientsIp()
    {
        using var node = TestNode.Create();
        StartGo(node, ":8080", "tcp");

        var (byName, byIp) = CurlByNameAndIp(node);

        // Go reports the address accept() returned, in the socket's family's text form: an IPv4
        // client of a dual-stack listener shows as a plain dotted quad ("2.2.2.2:41234").
        Assert.Contains("hello from go", byName.Stdout);
        Assert.Matches(@"remote 2\.2\.2\.2:\d+", byName.Stdout);
        Assert.Matches(@"remote 2\.2\.2\.2:\d+", byIp.Stdout);
    }

    [Fact]
    [Trait("Needs", "accept-address")]
    public void GoServer_Tcp4Listener_SeesTheClientsIpAsRemoteAddr()
    {
        using var node = TestNode.Create();
        StartGo(node, ":8080", "tcp4");

        var (byName, _) = CurlByNameAndIp(node);

        Assert.Matches(@"remote 2\.2\.2\.2:\d+", byName.Stdout);
    }

    [Fact]
    public void NodeServer_ListeningOn0000_IsPublishedAndAnswersCurlByNameAndIp_AndSeesTheClientsIp()
    {
        using var node = TestNode.Create();
        StartNode(node, "0.0.0.0");

        var (byName, byIp) = CurlByNameAndIp(node);

        // libuv asks getpeername() for remoteAddress, which ax answers with the client's --ip.
        Assert.Contains("hello from node\nremote 2.2.2.2\n", byName.Stdout);
        Assert.Contains("hello from node\nremote 2.2.2.2\n", byIp.Stdout);
    }

    [Fact]
    [Trait("Needs", "ipv6-takeover")]
    public void NodeServer_DefaultDualStackListen_IsPublishedAndAnswersCurlByNameAndIp_AndSeesTheClientsIp()
    {
        using var node = TestNode.Create();
        StartNode(node, host: null);

        var (byName, byIp) = CurlByNameAndIp(node);

        // On a dual-stack socket the kernel shows an IPv4 peer as an IPv4-mapped IPv6 address.
        Assert.Contains("hello from node\nremote ::ffff:2.2.2.2\n", byName.Stdout);
        Assert.Contains("hello from node\nremote ::ffff:2.2.2.2\n", byIp.Stdout);
    }

    [Fact]
    public void GoAndNodeClients_ResolveAnAxServiceByNameThroughAx_AndReachIt()
    {
        using var node = TestNode.Create();
        node.StartApp("--ip", "1.1.1.1", "--name", "pyweb", "--", "python3", Scripts.Path("serve_text.py"), "8000", "hello from python");
        node.WaitForServers("1.1.1.1:8000");

        // Go resolves with its own DNS client from /etc/resolv.conf; Node through getaddrinfo.
        var go = node.Ax("run", "--", Programs.GoHttp, "get", "http://pyweb:8000/");
        var nodejs = node.Ax("run", "--", "node", Programs.Path("node_http.js"), "get", "http://pyweb.appswitch.local:8000/");

        Assert.True(go.ExitCode == 0, go.ToString());
        Assert.Equal("hello from python", go.Stdout.Trim());
        Assert.True(nodejs.ExitCode == 0, nodejs.ToString());
        Assert.Equal("hello from python", nodejs.Stdout.Trim());
    }

    [Fact]
    [Trait("Needs", "ipv6-takeover")]
    public void GoAndNodeDualStackServers_UnderOneName_FollowACanaryRule_ThenBothAnswerWithoutIt()
    {
        using var node = TestNode.Create();
        var go = node.StartApp("--ip", "3.3.3.3", "--name", "web", "--labels", "zone=default,version=v1", "--", Programs.GoHttp, "serve", ":8080");
        var nodejs = node.StartApp("--ip", "3.3.3.3", "--name", "web", "--labels", "zone=default,version=v2", "--", "node", Programs.Path("node_http.js"), "serve", "8080");
        Wait.Until(() => go.Output.Contains("listening on", StringComparison.Ordinal) && nodejs.Output.Contains("listening on", StringComparison.Ordinal), TimeSpan.FromSeconds(30),
            () => $"the servers did not start listening:\n{go.Output}\n{nodejs.Output}");
        node.WaitForServers("3.3.3.3:8080", count: 2);
        string rules = Path.Combine(node.WorkDir, "canary.json");
        File.WriteAllText(rules, """
            {"rules": [{"id": "web-canary", "priority": 1, "destination": "web", "route": {"backends": [{"tags": ["version=v2"]}]}}]}
            """);
        var created = node.Ax("create", "rule", "-f", rules);
        Assert.True(created.ExitCode == 0, created.ToString());

        var withRule = Tally(node, 12);
        var deleted = node.Ax("delete", "rule", "web-canary");
        Assert.True(deleted.ExitCode == 0, deleted.ToString());
        var withoutRule = Tally(node, 24);

        // The rule sends every connect to the tagged Node server. Without it the two servers on one address
        // are picked at random: both answer 24 connects but once in 2^23 runs.
        Assert.Equal(new Dictionary<string, int> { ["node"] = 12 }, withRule);
        Assert.Equal(["go", "node"], withoutRule.Keys.Order());
        Assert.Equal(24, withoutRule.Values.Sum());
    }

    /// <summary>Curls web by name <paramref name="count"/> times (one connect each) and counts who answered.</summary>
    private static Dictionary<string, int> Tally(TestNode node, int count)
    {
        var seen = new Dictionary<string, int>();
        string script = $"for i in $(seq {count}); do curl -sS --max-time 10 web:8080/ | head -1; done";
        var result = node.Ax("run", "--", "sh", "-c", script);
        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (string line in result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string who = line.Replace("hello from ", "", StringComparison.Ordinal).Trim();
            seen[who] = seen.GetValueOrDefault(who) + 1;
        }

        return seen;
    }

    private static void StartGo(TestNode node, string address, string network)
    {
        var server = node.StartApp("--ip", "3.3.3.3", "--name", "web", "--", Programs.GoHttp, "serve", address, network);
        WaitForPublished(node, server);
    }

    private static void StartNode(TestNode node, string? host)
    {
        var server = host is null
            ? node.StartApp("--ip", "3.3.3.3", "--name", "web", "--", "node", Programs.Path("node_http.js"), "serve", "8080")
            : node.StartApp("--ip", "3.3.3.3", "--name", "web", "--", "node", Programs.Path("node_http.js"), "serve", "8080", host);
        WaitForPublished(node, server);
    }

    /// <summary>The program says it listens; then ax must list it at its --ip, as `ax get servers` shows a user.</summary>
    private static void WaitForPublished(TestNode node, BackgroundProcess server)
    {
        Wait.Until(() => server.Output.Contains("listening on", StringComparison.Ordinal) || server.HasExited, TimeSpan.FromSeconds(30),
            () => $"the server did not start listening:\n{server.Output}");
        Assert.False(server.HasExited, server.Output);
        node.WaitForServers("3.3.3.3:8080");
        Assert.Matches(@"tcp\s+3\.3\.3\.3:8080\s", node.Ax("get", "servers").Stdout);
    }

    private static (CommandResult ByName, CommandResult ByIp) CurlByNameAndIp(TestNode node)
    {
        var byName = node.Ax("run", "--ip", "2.2.2.2", "--", "curl", "-sS", "--max-time", "10", "web:8080/");
        var byIp = node.Ax("run", "--ip", "2.2.2.2", "--", "curl", "-sS", "--max-time", "10", "3.3.3.3:8080/");
        Assert.True(byName.ExitCode == 0, $"by name: {byName}\n{node.DescribeProcesses()}");
        Assert.True(byIp.ExitCode == 0, $"by IP: {byIp}\n{node.DescribeProcesses()}");
        return (byName, byIp);
    }
}
