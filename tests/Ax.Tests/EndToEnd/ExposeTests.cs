namespace Ax.Tests.EndToEnd;

/// <summary>
/// <c>ax run --expose</c> (seed 001 "Ingress Gateway", seed 003 "Exposed Ports"): a client that does not
/// run under ax (plain curl in the node's namespace) reaches the app at node-IP:node-port.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class ExposeTests
{
    [Theory]
    [InlineData("8000:{0}", 9999)]
    [InlineData("8000:{1}:{0}", 10000)]
    [InlineData("8000:0.0.0.0:{0}", 10001)]
    public void Expose_EachSeedForm_IsReachedByCurlNotUnderAx(string form, int nodePort)
    {
        using var node = TestNode.Create();
        string rule = string.Format(System.Globalization.CultureInfo.InvariantCulture, form, nodePort, node.NodeIp);
        node.StartApp("--ip", "1.1.1.1", "--name", "webserver", "--expose", rule, "--", "python3", "-m", "http.server", "8000");
        var server = Assert.Single(node.WaitForServers("1.1.1.1:8000"));

        var outside = node.Run(["curl", "-sI", $"{node.NodeIp}:{nodePort}"]);
        var underAx = node.Ax("run", "--", "curl", "-sI", "1.1.1.1:8000");

        Assert.True(outside.ExitCode == 0, outside + node.DescribeProcesses());
        Assert.StartsWith("HTTP/1.0 200 OK", outside.Stdout);
        Assert.StartsWith("HTTP/1.0 200 OK", underAx.Stdout);
        Assert.Equal($"{node.NodeIp}:{nodePort}", server.Ipv4Addr);
        Assert.Contains($"{node.NodeIp}:{nodePort}", node.Ax("get", "servers").Stdout);
        Assert.DoesNotContain("tcp", node.Ax("get", "proxies").Stdout); // served with no proxy on the path
    }

    [Fact]
    public void Expose_RepeatedAndCsv_ExposesEveryPort()
    {
        using var node = TestNode.Create();
        node.StartApp("--ip", "1.1.1.1", "--expose", "8000:9000,8001:9001", "--expose", "8002:9002", "--",
            "sh", "-c", $"for p in 8000 8001 8002; do python3 {Scripts.Path("serve_text.py")} $p port-$p & done; wait");
        node.WaitForServers("1.1.1.1:8000");
        node.WaitForServers("1.1.1.1:8001");
        node.WaitForServers("1.1.1.1:8002");

        foreach (int port in new[] { 8000, 8001, 8002 })
        {
            var result = node.Run(["curl", "-s", $"{node.NodeIp}:{port + 1000}/"]);
            Assert.Equal($"port-{port}", result.Stdout.Trim());
        }
    }

    [Fact]
    public void Expose_UdpPort_IsReachedByAClientNotUnderAx()
    {
        using var node = TestNode.Create();
        const string echo = "import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('0.0.0.0', 5300)); " +
            "d,a=s.recvfrom(100); s.sendto(b'echo '+d, a)";
        node.StartApp("--ip", "1.1.1.1", "--expose", "5300:15300", "--", "python3", "-c", echo);
        node.WaitForServers("1.1.1.1:5300");

        var result = node.Run(["python3", "-c",
            $"import socket; c=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); c.settimeout(10); c.sendto(b'hi', ('{node.NodeIp}', 15300)); print(c.recv(100).decode())"]);

        Assert.True(result.ExitCode == 0, result + node.DescribeProcesses());
        Assert.Equal("echo hi", result.Stdout.Trim());
    }

    [Fact]
    public void Expose_AnotherNodesIp_IsRefusedBeforeTheAppStarts()
    {
        using var node = TestNode.Create();

        var result = node.Ax("run", "--expose", "8000:10.9.9.9:10000", "--", "sh", "-c", "echo started");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("invalid --expose '8000:10.9.9.9:10000'", result.Stderr);
        Assert.Contains("not this node's IP", result.Stderr);
        Assert.DoesNotContain("started", result.Stdout);
    }

    [Theory]
    [InlineData("8000")]
    [InlineData("8000:")]
    [InlineData("8000:70000")]
    [InlineData("x:9999")]
    [InlineData("8000:1.2.3:9999")]
    [InlineData("8000:1:2:3")]
    public void Expose_BadValue_IsRefusedWithOneLineNamingIt(string value)
    {
        using var node = TestNode.Create(startDaemon: false);

        var result = node.Ax("run", "--expose", value, "--", "sh", "-c", "echo started");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"ax: invalid --expose '{value}'", result.Stderr);
        Assert.Single(result.Stderr.Trim().Split('\n'));
        Assert.DoesNotContain("started", result.Stdout);
    }

    [Fact]
    public void Expose_NodePortTaken_TheAppGetsEaddrinuse_AndTheDaemonSaysWhy()
    {
        using var node = TestNode.Create();
        using var squatter = node.Start(["python3", "-c", $"import socket,time; s=socket.socket(); s.bind(('{node.NodeIp}',9999)); s.listen(); print('up',flush=True); time.sleep(60)"], ax: false);
        Wait.Until(() => squatter.Output.Contains("up"), TimeSpan.FromSeconds(10), () => squatter.Output);

        var result = node.Ax("run", "--expose", "8000:9999", "--", "python3", "-c", "import socket; socket.socket().bind(('0.0.0.0', 8000))");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Address already in use", result.Stderr);
        Assert.Contains("exposed at", node.Daemon!.Output);
        Assert.Contains($"{node.NodeIp}:9999", node.Daemon!.Output);
    }
}
