using System.Text.Json;

namespace Ax.Tests.EndToEnd;

/// <summary>
/// AF_INET6 sockets under ax: the dual-stack <c>[::]:port</c> listener that Go's <c>net.Listen("tcp", ":port")</c>
/// and Node's <c>listen(port)</c> make is a service like <c>0.0.0.0:port</c>, IPv4-mapped addresses route as
/// the IPv4 addresses they name, and <c>[::1]</c> is the node's loopback, as 127.0.0.1 is.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class DualStackTests
{
    [Fact]
    public void DualStackListener_IsAServiceAtTheAppsIp_ReachedByIpv4ByNameAndByMappedAddress()
    {
        using var node = TestNode.Create();
        using var server = node.StartApp("--ip", "3.3.3.3", "--name", "ds", "python3", Scripts.Path("dual_stack_server.py"), "8080");

        var listed = node.WaitForServers("3.3.3.3:8080");
        var byName = Probe(node, ["--ip", "2.2.2.2"], "inet", "ds", "8080");
        var byMapped = Probe(node, [], "inet6", "::ffff:3.3.3.3", "8080");

        Assert.Single(listed);
        Assert.Contains("\"bound\": [\"::\", 8080]", server.Output);
        Assert.Equal("OK", byName.GetProperty("connect").GetString());
        Assert.Equal("3.3.3.3", byName.GetProperty("peer")[0].GetString());
        var seenByServer = JsonDocument.Parse(byName.GetProperty("line").GetString()!).RootElement;
        Assert.Equal("::ffff:2.2.2.2", seenByServer.GetProperty("peer").GetString());
        Assert.Equal("::ffff:3.3.3.3", seenByServer.GetProperty("local")[0].GetString());
        Assert.Equal(8080, seenByServer.GetProperty("local")[1].GetInt32());

        Assert.Equal("OK", byMapped.GetProperty("connect").GetString());
        Assert.Equal("::ffff:3.3.3.3", byMapped.GetProperty("peer")[0].GetString());
        Assert.Equal(8080, byMapped.GetProperty("peer")[1].GetInt32());
    }

    [Fact]
    public void MappedAddress_OfAServiceWithDisjointLabels_IsRefused()
    {
        using var node = TestNode.Create();
        node.StartApp("--ip", "3.3.3.3", "--labels", "role=prod", "python3", Scripts.Path("dual_stack_server.py"), "8080");
        node.WaitForServers("3.3.3.3:8080");

        var refused = Probe(node, ["--labels", "role=test"], "inet6", "::ffff:3.3.3.3", "8080");
        var allowed = Probe(node, ["--labels", "role=prod"], "inet6", "::ffff:3.3.3.3", "8080");

        Assert.Equal("ECONNREFUSED", refused.GetProperty("connect").GetString());
        Assert.Equal("OK", allowed.GetProperty("connect").GetString());
    }

    [Fact]
    public void Ipv6OnlyListeners_AreNotServices_TwoAppsMayEachHoldOne_AndEachReadsBackTheWildcard()
    {
        // nginx's "listen 80; listen [::]:80;" (Debian's default site) binds an IPv6-only [::]:80 beside
        // its IPv4 listener: two such apps on one node must both start, as they would on two hosts.
        using var node = TestNode.Create();
        using var first = node.StartApp("--ip", "3.3.3.3", "python3", Scripts.Path("dual_stack_server.py"), "8081", "v6only");
        using var second = node.StartApp("--ip", "3.3.3.4", "python3", Scripts.Path("dual_stack_server.py"), "8081", "v6only");

        Wait.Until(() => first.Output.Contains("bound") && second.Output.Contains("bound"), TimeSpan.FromSeconds(15),
            () => first.Output + second.Output);

        Assert.Contains("\"bound\": [\"::\", 8081]", first.Output);
        Assert.Contains("\"bound\": [\"::\", 8081]", second.Output);
        // ax's service addresses are IPv4, so an IPv6-only listener has nothing to be published at.
        Assert.Empty(node.Servers());
    }

    [Fact]
    public void TwoNginx_ListeningOnIpv4AndIpv6AsDebiansDefaultSiteDoes_BothServeOneIp()
    {
        using var node = TestNode.Create();
        BackgroundProcess[] nginx = [.. ((string[])["nginx one", "nginx two"]).Select(body =>
            node.StartApp("--ip", "1.1.1.1", "nginx", "-c", Nginx.WriteConfig(node, port: 80, body: body, alsoIpv6: true), "-g", "daemon off;"))];

        node.WaitForServers("1.1.1.1:80", count: 2);
        var bodies = new HashSet<string>();
        for (int i = 0; i < 40 && bodies.Count < 2; i++)
        {
            bodies.Add(node.Ax("run", "--", "curl", "-s", "--max-time", "5", "http://1.1.1.1/").Stdout.Trim());
        }

        // Random picks: both answer within 40 tries unless one is missing (a fair split misses one with p = 2^-39).
        Assert.Equal(["nginx one", "nginx two"], bodies.Order());
        // A refused [::]:80 bind is retried for a few seconds before nginx gives up; by now it would have shown.
        Assert.All(nginx, n => Assert.DoesNotContain("bind() to [::]:80 failed", n.Output));
        Assert.All(nginx, n => Assert.False(n.HasExited, n.Output));
    }

    private static JsonElement Probe(TestNode node, string[] runArgs, string family, string host, string port)
    {
        var result = node.Ax(["run", .. runArgs, "--", "python3", Scripts.Path("line_probe.py"), family, host, port]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonDocument.Parse(result.Stdout).RootElement.Clone();
    }
}
