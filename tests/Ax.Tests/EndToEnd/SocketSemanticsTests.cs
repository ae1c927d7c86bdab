using System.Text.Json;

namespace Ax.Tests.EndToEnd;

/// <summary>What an app sees of its sockets under ax matches what the kernel would show for the virtual addresses.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class SocketSemanticsTests
{
    [Fact]
    public void NonBlockingConnect_ReturnsEinprogressThenSoErrorZero_AndShowsTheVirtualPeer()
    {
        using var node = TestNode.Create();
        node.StartApp("--ip", "1.1.1.1", "python3", Scripts.Path("serve_text.py"), "8000", "hello");
        node.WaitForServers("1.1.1.1:8000");

        var report = Probe(node, "1.1.1.1", "8000", "nonblocking");

        Assert.Equal("EINPROGRESS", report.GetProperty("connect").GetString());
        Assert.True(report.GetProperty("writable").GetBoolean());
        Assert.Equal("OK", report.GetProperty("so_error").GetString());
        Assert.Equal("1.1.1.1", report.GetProperty("peer")[0].GetString());
        Assert.Equal(8000, report.GetProperty("peer")[1].GetInt32());
        Assert.Equal("HTTP/1.0 200 OK", report.GetProperty("status").GetString());
        Assert.Equal("hello", report.GetProperty("body").GetString());
    }

    [Fact]
    public void BlockingConnect_KeepsOptionsSetBeforeConnect()
    {
        using var node = TestNode.Create();
        node.StartApp("--ip", "1.1.1.1", "python3", Scripts.Path("serve_text.py"), "8000", "hello");
        node.WaitForServers("1.1.1.1:8000");

        var report = Probe(node, "1.1.1.1", "8000", "blocking");

        Assert.Equal("OK", report.GetProperty("connect").GetString());
        Assert.NotEqual(0, report.GetProperty("nodelay").GetInt32());
        Assert.NotEqual(0, report.GetProperty("keepalive").GetInt32());
        Assert.Equal("hello", report.GetProperty("body").GetString());
    }

    [Theory]
    [InlineData("blocking")]
    [InlineData("nonblocking")]
    public void ConnectToAVirtualIpPortWithNoServer_IsRefused(string mode)
    {
        using var node = TestNode.Create();
        node.StartApp("--ip", "1.1.1.1", "python3", Scripts.Path("serve_text.py"), "8000", "hello");
        node.WaitForServers("1.1.1.1:8000");

        var report = Probe(node, "1.1.1.1", "9999", mode);

        Assert.Equal("ECONNREFUSED", report.GetProperty("connect").GetString());
    }

    [Theory]
    [InlineData("blocking")]
    [InlineData("nonblocking")]
    public void ConnectToAClosedPortOnTheNode_IsRefusedByTheKernel(string mode)
    {
        using var node = TestNode.Create();

        var report = Probe(node, node.NodeIp, "1", mode);

        string outcome = mode == "blocking" ? report.GetProperty("connect").GetString()! : report.GetProperty("so_error").GetString()!;
        Assert.Equal("ECONNREFUSED", outcome);
    }

    [Fact]
    public void Names_ServerSeesItsBindAddressAndClientIp_ClientSeesTheVirtualServer()
    {
        using var node = TestNode.Create();
        var server = node.StartApp("--ip", "1.1.1.1", "python3", Scripts.Path("names_server.py"), "7000");
        node.WaitForServers("1.1.1.1:7000");

        var result = node.Ax("run", "--ip", "3.3.3.3", "python3", Scripts.Path("names_client.py"), "1.1.1.1", "7000");

        Assert.True(result.ExitCode == 0, result.ToString());
        var client = JsonDocument.Parse(result.Stdout).RootElement;
        Assert.Equal("[\"1.1.1.1\",7000]", client.GetProperty("peer").GetRawText().Replace(" ", ""));
        Assert.Equal("3.3.3.3", client.GetProperty("local")[0].GetString());
        var seenByServer = client.GetProperty("server");
        Assert.Equal("[\"1.1.1.1\",7000]", seenByServer.GetProperty("conn_local").GetRawText().Replace(" ", ""));
        Assert.Equal("3.3.3.3", seenByServer.GetProperty("conn_peer")[0].GetString());
        Assert.Equal(client.GetProperty("local")[1].GetInt32(), seenByServer.GetProperty("conn_peer")[1].GetInt32());
        Assert.Contains("{\"bound\": [\"0.0.0.0\", 7000]}", server.Output);
        Assert.Contains("\"listening\": [\"0.0.0.0\", 7000], \"reuseaddr\": 1", server.Output);
    }

    private static JsonElement Probe(TestNode node, string ip, string port, string mode)
    {
        var result = node.Ax("run", "--", "python3", Scripts.Path("connect_probe.py"), ip, port, mode);
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonDocument.Parse(result.Stdout).RootElement;
    }
}
