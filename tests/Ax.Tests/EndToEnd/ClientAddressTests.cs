using System.Text.Json;

namespace Ax.Tests.EndToEnd;

/// <summary>
/// A server under ax sees an ax client at the client's own IP in the address accept() returns, in
/// getpeername() and in the source address of recvfrom(), as a server on a real network would: the
/// kernel answers all three from the daemon's programs (src/Ax/PeerAddresses/), with no trap.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class ClientAddressTests
{
    [Fact]
    public void Nginx_UnderIp_SeesTheClientsIpAsRemoteAddr()
    {
        using var node = TestNode.Create();
        string config = Nginx.WriteConfig(node, port: 80, body: "remote=$remote_addr");
        node.StartApp("--ip", "1.1.1.1", "nginx", "-c", config, "-g", "daemon off;");
        node.WaitForServers("1.1.1.1:80");

        var withIp = node.Ax("run", "--ip", "2.2.2.2", "--", "curl", "-s", "1.1.1.1");
        var withoutIp = node.Ax("run", "--", "curl", "-s", "1.1.1.1");

        Assert.True(withIp.ExitCode == 0, withIp.ToString());
        Assert.Equal("remote=2.2.2.2", withIp.Stdout.Trim());
        Assert.Equal($"remote={node.NodeIp}", withoutIp.Stdout.Trim());
    }

    [Fact]
    public void PythonServer_AcceptAndGetPeerName_BothShowTheClientsIp()
    {
        using var node = TestNode.Create();
        node.StartApp("--ip", "1.1.1.1", "python3", Scripts.Path("names_server.py"), "7000");
        node.WaitForServers("1.1.1.1:7000");

        var client = Connect(node, "--ip", "2.2.2.2");

        var server = client.GetProperty("server");
        int clientPort = client.GetProperty("local")[1].GetInt32();
        Assert.Equal($"[\"2.2.2.2\",{clientPort}]", Compact(server.GetProperty("accepted_from")));
        Assert.Equal($"[\"2.2.2.2\",{clientPort}]", Compact(server.GetProperty("conn_peer")));
    }

    [Fact]
    public void PythonServer_ClientWithoutIp_ShowsTheNodeAddressInAcceptAndGetPeerName()
    {
        using var node = TestNode.Create();
        node.StartApp("--ip", "1.1.1.1", "python3", Scripts.Path("names_server.py"), "7000");
        node.WaitForServers("1.1.1.1:7000");

        var server = Connect(node).GetProperty("server");

        Assert.Equal(node.NodeIp, server.GetProperty("accepted_from")[0].GetString());
        Assert.Equal(node.NodeIp, server.GetProperty("conn_peer")[0].GetString());
        Assert.Equal(server.GetProperty("accepted_from")[1].GetInt32(), server.GetProperty("conn_peer")[1].GetInt32());
    }

    [Fact]
    public void ManyConnects_EachAcceptShowsTheClientsIp()
    {
        // A client on this node often completes its handshake inside connect(), so a server may accept
        // before the connect returns: the address must be right from the first packet on.
        using var node = TestNode.Create();
        node.StartApp("--ip", "1.1.1.1", "python3", Scripts.Path("names_server.py"), "7000");
        node.WaitForServers("1.1.1.1:7000");

        var result = node.Ax("run", "--ip", "2.2.2.2", "--", "python3", "-c", """
            import json, socket
            seen = set()
            for _ in range(200):
                s = socket.create_connection(("1.1.1.1", 7000), timeout=10)
                data = b""
                while chunk := s.recv(65536):
                    data += chunk
                report = json.loads(data)
                seen.add((report["accepted_from"][0], report["conn_peer"][0]))
                s.close()
            print(json.dumps(sorted(seen)))
            """);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("[[\"2.2.2.2\",\"2.2.2.2\"]]", result.Stdout.Trim().Replace(" ", ""));
    }

    [Theory]
    [InlineData("sendto")]
    [InlineData("sendmsg")]
    public void UdpServer_RecvFromShowsTheClientsIp_AndItsReplyThereArrives(string replyWith)
    {
        using var node = TestNode.Create();

        // Client ports below the --ports pool (40000-60000 by default), which the UDP send guard keeps
        // for servers: this test is about the reply's address, not about the guard's pool check.
        var sysctl = node.Run(["sysctl", "-w", "net.ipv4.ip_local_port_range=32768 39999"]);
        Assert.True(sysctl.ExitCode == 0, sysctl.ToString());
        var server = node.StartApp("--ip", "1.1.1.1", "python3", Scripts.Path("udp_reply_server.py"), "5300", replyWith);
        node.WaitForServers("1.1.1.1:5300");

        var result = node.Ax("run", "--ip", "2.2.2.2", "--", "python3", Scripts.Path("udp_ask.py"), "1.1.1.1", "5300");

        Assert.True(result.ExitCode == 0, result.ToString());
        var client = JsonDocument.Parse(result.Stdout).RootElement;
        int clientPort = client.GetProperty("local")[1].GetInt32();
        Wait.Until(() => server.Output.Contains("\"from\""), TimeSpan.FromSeconds(10), () => server.Output);
        Assert.Contains($"{{\"from\": [\"2.2.2.2\", {clientPort}]}}", server.Output);
        Assert.True(client.GetProperty("answer").GetString() == "reply", result.Stdout + server.Output);
    }

    /// <summary>
    /// Daemons of several nodes on one machine attach their programs to one cgroup (here the test runner's),
    /// so each one's UDP reply program also sees the other's sockets: it must leave a socket that is not its
    /// own alone, even while the other daemon's reply request (the IP_PKTINFO sentinel) is still on it.
    /// The other daemon starts first, so its programs run first.
    /// </summary>
    [Fact]
    public void UdpServer_ReplyWithSendto_Arrives_WhileAnotherDaemonRunsOnTheMachine()
    {
        using var other = TestNode.Create();
        using var node = TestNode.Create();
        var sysctl = node.Run(["sysctl", "-w", "net.ipv4.ip_local_port_range=32768 39999"]);
        Assert.True(sysctl.ExitCode == 0, sysctl.ToString());
        var server = node.StartApp("--ip", "1.1.1.1", "python3", Scripts.Path("udp_reply_server.py"), "5300", "sendto");
        node.WaitForServers("1.1.1.1:5300");

        var result = node.Ax("run", "--ip", "2.2.2.2", "--", "python3", Scripts.Path("udp_ask.py"), "1.1.1.1", "5300");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(JsonDocument.Parse(result.Stdout).RootElement.GetProperty("answer").GetString() == "reply", result.Stdout + server.Output);
    }

    private static JsonElement Connect(TestNode node, params string[] runArgs)
    {
        var result = node.Ax(["run", .. runArgs, "--", "python3", Scripts.Path("names_client.py"), "1.1.1.1", "7000"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonDocument.Parse(result.Stdout).RootElement;
    }

    private static string Compact(JsonElement element) => element.GetRawText().Replace(" ", "");
}
