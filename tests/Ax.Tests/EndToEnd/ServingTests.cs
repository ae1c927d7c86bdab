using System.Text.Json;

namespace Ax.Tests.EndToEnd;

/// <summary>The seed's walkthrough on one node: servers on virtual IPs, clients under ax, load balancing.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class ServingTests
{
    [Fact]
    public void PythonHttpServer_OnVirtualIp_AnswersCurlUnderAx()
    {
        using var node = TestNode.Create();
        node.StartApp("--ip", "1.1.1.1", "--", "python3", "-m", "http.server");
        node.WaitForServers("1.1.1.1:8000");

        var result = node.Ax("run", "--", "curl", "-sI", "1.1.1.1:8000");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("HTTP/1.0 200 OK", result.Stdout);
    }

    [Fact]
    public void Nginx_OnVirtualIpPort80_AnswersCurlByIp()
    {
        using var node = TestNode.Create();
        string config = Nginx.WriteConfig(node, port: 80, body: "hello from nginx");
        node.StartApp("--ip", "1.1.1.1", "nginx", "-c", config, "-g", "daemon off;");
        node.WaitForServers("1.1.1.1:80");

        var result = node.Ax("run", "--ip", "2.2.2.2", "curl", "-s", "-i", "1.1.1.1");

        Assert.True(result.ExitCode == 0, result.ToString() + node.DescribeProcesses());
        Assert.StartsWith("HTTP/1.1 200 OK", result.Stdout);
        Assert.Contains("hello from nginx", result.Stdout);
    }

    [Fact]
    public void TwoServersOnOneIp_BothAnswerWithin50Requests()
    {
        using var node = TestNode.Create();
        node.StartApp("--ip", "1.1.1.1", "python3", Scripts.Path("serve_text.py"), "8000", "server-a");
        node.StartApp("--ip", "1.1.1.1", "python3", Scripts.Path("serve_text.py"), "8000", "server-b");
        node.WaitForServers("1.1.1.1:8000", count: 2);

        var result = node.Ax("run", "--", "sh", "-c", "for i in $(seq 50); do curl -s 1.1.1.1:8000/; done");

        Assert.True(result.ExitCode == 0, result.ToString());
        var answers = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(50, answers.Length);
        Assert.Contains("server-a", answers);
        Assert.Contains("server-b", answers);
    }

    [Fact]
    public void Labels_SeedExample_ClientsReachOnlyServersSharingALabel()
    {
        using var node = TestNode.Create();
        node.StartApp("--ip", "1.1.1.1", "--labels", "role=prod", "python3", Scripts.Path("serve_text.py"), "80", "prod");
        node.StartApp("--ip", "1.1.1.1", "--labels", "role=test", "python3", Scripts.Path("serve_text.py"), "80", "test");
        node.WaitForServers("1.1.1.1:80", count: 2);
        const string TwentyRequests = "for i in $(seq 20); do curl -s 1.1.1.1/ || echo refused; done";

        var testClient = node.Ax("run", "--labels", "role=test", "--", "sh", "-c", TwentyRequests);
        var prodClient = node.Ax("run", "--labels", "role=prod", "--", "sh", "-c", TwentyRequests);
        var nakedClient = node.Ax("run", "--", "curl", "-sS", "1.1.1.1/");
        var nakedProbe = node.Ax("run", "--", "python3", Scripts.Path("connect_probe.py"), "1.1.1.1", "80", "blocking");

        Assert.All(testClient.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.Equal("test", line));
        Assert.All(prodClient.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.Equal("prod", line));
        Assert.Equal(20, testClient.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(7, nakedClient.ExitCode); // curl: couldn't connect
        Assert.Contains("\"connect\": \"ECONNREFUSED\"", nakedProbe.Stdout);
    }

    [Fact]
    public void GetServers_ShowsTheSeedsColumnsAndOneRowPerServer()
    {
        using var node = TestNode.Create(true, "--node-name", "host0");
        node.StartApp("--ip", "1.1.1.1", "--labels", "role=prod", "python3", Scripts.Path("serve_text.py"), "80", "prod");
        node.StartApp("--ip", "1.1.1.1", "--labels", "role=test", "python3", Scripts.Path("serve_text.py"), "80", "test");
        var servers = node.WaitForServers("1.1.1.1:80", count: 2);

        var table = node.Ax("get", "servers");

        var lines = table.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^NODEID\s+CLUSTER\s+APPID\s+PROTO\s+SERVICEADDR\s+IPV4ADDR$", lines[0]);
        Assert.Matches("^-+$", lines[1]);
        var rows = lines.Skip(2).ToArray();
        Assert.Equal(2, rows.Length);
        Assert.All(rows, row => Assert.Matches($@"^host0\s+appswitch\s+f[0-9a-f]{{7}}\s+tcp\s+1\.1\.1\.1:80\s+{node.NodeIp.Replace(".", "\\.")}:4\d{{4}}$", row));
        Assert.NotEqual(servers[0].AppId, servers[1].AppId);
        Assert.NotEqual(servers[0].Ipv4Addr, servers[1].Ipv4Addr);
    }

    [Fact]
    public void GetApps_ShowsLabelsAndZonesOfRunningApps()
    {
        using var node = TestNode.Create();
        node.StartApp("--ip", "1.1.1.1", "python3", Scripts.Path("serve_text.py"), "80", "x");
        node.WaitForServers("1.1.1.1:80");

        var table = node.Ax("get", "apps");
        var json = node.Ax("get", "apps", "-o", "json");

        Assert.Matches(@"NAME\s+APPID\s+NODEID\s+CLUSTER\s+APPIP\s+DRIVER\s+LABELS\s+ZONES", table.Stdout);
        Assert.Matches(@"<[0-9a-f-]{36}>\s+f[0-9a-f]{7}\s+\S+\s+appswitch\s+1\.1\.1\.1\s+user\s+zone=default\s+\[zone==default\]", table.Stdout);
        var apps = JsonSerializer.Deserialize(json.Stdout, Contracts.AxJsonContext.Default.AppInfoArray)!;
        Assert.Single(apps);
    }

    [Fact]
    public void ConnectToAnAddressThatIsNoService_LeavesAsAPlainHostConnection()
    {
        using var node = TestNode.Create();
        // A plain server on the node, not under ax, on the node's own address.
        node.Start(["python3", Scripts.Path("serve_text.py"), "8080", "plain host service"], ax: false);
        Wait.Until(() => node.Run(["curl", "-s", $"{node.NodeIp}:8080/"]).ExitCode == 0, TimeSpan.FromSeconds(10), () => "the plain server did not start");

        var result = node.Ax("run", "--", "curl", "-s", $"{node.NodeIp}:8080/");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("plain host service", result.Stdout.Trim());
    }
}
