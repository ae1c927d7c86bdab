using System.Text.Json;

namespace Ax.Tests.EndToEnd;

/// <summary>
/// An app under <c>ax run</c> (its own empty network namespace) tries every way around ax: raw and packet
/// sockets, netlink, IPv6 (routed as IPv4 is), UDP to addresses ax does not serve, and connects to a service whose labels it
/// does not share. None reaches the node except through ax's policy.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class EscapeTests
{
    [Fact]
    public void RawIcmpSocket_StaysInTheAppsEmptyNamespace_AndCannotReachTheNode()
    {
        using var node = TestNode.Create();

        var report = Attempt(node, "raw", node.NodeIp);

        // The kernel makes the raw socket in the app's own namespace, which has no route anywhere.
        Assert.Equal("ENETUNREACH", report.GetProperty("send").GetString());
    }

    [Fact]
    public void PacketSocket_SeesOnlyTheAppsLoopback_NotTheNodesInterfaces()
    {
        using var node = TestNode.Create();

        var report = Attempt(node, "packet");

        Assert.Equal(["lo"], report.GetProperty("interfaces").EnumerateArray().Select(e => e.GetString()!).ToArray());
        // A frame can go out only on the app's own loopback; the node's veth does not exist for it.
        Assert.Equal("ENODEV", report.GetProperty("bind_v0").GetString());
    }

    [Fact]
    public void NetlinkRouteAndAddressChanges_StayInTheAppsNamespace_TheNodesAreUnchanged()
    {
        using var node = TestNode.Create();
        string before = NodeNetwork(node);

        var result = node.Ax("run", "--", "sh", "-c",
            "ip link set lo up && ip addr add 10.213.250.77/32 dev lo && ip route add 10.77.0.0/16 dev lo && ip route show; ip link set v0 down");

        // The changes succeed, in the app's own namespace: its table has the route...
        Assert.Contains("10.77.0.0/16 dev lo", result.Stdout);
        // ...the node's interfaces are not even visible there...
        Assert.Contains("Cannot find device \"v0\"", result.Stderr);
        // ...and the node's routes, addresses and links are what they were.
        Assert.Equal(before, NodeNetwork(node));
        Assert.DoesNotContain("10.77.0.0", before);
    }

    [Fact]
    public void Ipv6_IsRoutedLikeIpv4_TheV4MappedNodeAddressAndLoopbackReachWhat127001AndTheNodeIpReach()
    {
        using var node = TestNode.Create();
        using var listener = node.Start(["python3", "-c", "import socket,time; s=socket.socket(socket.AF_INET6); s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0); s.bind(('::', 7777)); s.listen(); print('up', flush=True); time.sleep(60)"], ax: false);
        Wait.Until(() => listener.Output.Contains("up"), TimeSpan.FromSeconds(10), () => listener.Output);

        var report = Attempt(node, "ipv6", node.NodeIp, "7777");

        // A plain service of the node (not under ax) at the node's address is reached as an IPv4 client
        // under ax reaches it (egress to a real address), and [::1] is the node's loopback, as 127.0.0.1 is.
        Assert.Equal("OK", report.GetProperty("mapped").GetString());
        Assert.Equal("OK", report.GetProperty("loopback").GetString());
    }

    [Fact]
    public void Udp_ToAVirtualIpWithNoUdpService_NeverArrivesOnTheNode()
    {
        using var node = TestNode.Create();
        node.StartApp("--ip", "1.1.1.1", "python3", Scripts.Path("serve_text.py"), "9999", "tcp only");
        node.WaitForServers("1.1.1.1:9999");
        using var listener = node.Start(["python3", "-c", "import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('0.0.0.0', 9999)); s.settimeout(3); print('up', flush=True)\ntry: print('arrived', s.recvfrom(100), flush=True)\nexcept socket.timeout: print('nothing arrived', flush=True)"], ax: false);
        Wait.Until(() => listener.Output.Contains("up"), TimeSpan.FromSeconds(10), () => listener.Output);

        var report = Attempt(node, "udp", "1.1.1.1", "9999");

        Wait.Until(() => listener.Output.Contains("arrived"), TimeSpan.FromSeconds(20), () => listener.Output);
        Assert.Contains("nothing arrived", listener.Output);
        // A virtual IP with no UDP service there is refused, as a connect would be: the datagram never
        // leaves for the real address 1.1.1.1, even on a node that has a route to it.
        Assert.Equal("ECONNREFUSED", report.GetProperty("send").GetString());
    }

    [Theory]
    [InlineData("connect")]
    [InlineData("connect6")]
    public void Connect_ToALabelledService_WithDisjointLabels_IsRefused_ByVirtualAndByHostAddress(string attempt)
    {
        using var node = TestNode.Create();
        node.StartApp("--ip", "1.1.1.1", "--labels", "role=prod", "python3", Scripts.Path("serve_text.py"), "80", "prod secret");
        string hostAddr = node.WaitForServers("1.1.1.1:80")[0].Ipv4Addr;
        string[] host = hostAddr.Split(':');

        var byVip = Attempt(node, ["--labels", "role=test"], attempt, "1.1.1.1", "80");
        var byHost = Attempt(node, ["--labels", "role=test"], attempt, host[0], host[1]);
        var allowed = Attempt(node, ["--labels", "role=prod"], attempt, host[0], host[1]);

        Assert.Equal("ECONNREFUSED", byVip.GetProperty("connect").GetString());
        Assert.Equal("ECONNREFUSED", byHost.GetProperty("connect").GetString());
        // The same attempt with a shared label gets through, so the refusals are the policy's doing.
        Assert.Contains("prod secret", allowed.GetProperty("reply").GetString());
    }

    [Theory]
    [InlineData("fastopen")]
    [InlineData("fastopen6")]
    public void TcpFastOpen_ToAServersHostAddress_CannotSkipConnectAndItsLabels(string attempt)
    {
        using var node = TestNode.Create();
        node.StartApp("--ip", "1.1.1.1", "--labels", "role=prod", "python3", Scripts.Path("serve_text.py"), "80", "prod secret");
        string[] host = node.WaitForServers("1.1.1.1:80")[0].Ipv4Addr.Split(':');

        var report = Attempt(node, ["--labels", "role=test"], attempt, host[0], host[1]);

        // sendto(MSG_FASTOPEN) would connect the node socket with no connect() for ax to route.
        Assert.Contains(report.GetProperty("sendto").GetString(), new[] { "EOPNOTSUPP", "ENOTSUP" }); // one errno, two names
        Assert.False(report.TryGetProperty("reply", out _));
        Assert.Contains(report.GetProperty("sendmsg").GetString(), new[] { "EOPNOTSUPP", "ENOTSUP" });
        Assert.False(report.TryGetProperty("sendmsg_reply", out _));
    }

    [Fact]
    public void UdpSendTo_IsRoutedByLabels_RefusedToDisjointLabelsByVirtualAndHostAddress_DeliveredToShared()
    {
        using var node = TestNode.Create();
        var server = node.StartApp("--ip", "2.2.2.2", "--labels", "role=prod", "python3", "-c",
            "import socket\ns=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('0.0.0.0', 5300))\nwhile True: print('got', s.recvfrom(100)[0].decode(), flush=True)");
        string[] host = node.WaitForServers("2.2.2.2:5300")[0].Ipv4Addr.Split(':');

        var byVip = Attempt(node, ["--labels", "role=test"], "udp", "2.2.2.2", "5300");
        var byHost = Attempt(node, ["--labels", "role=test"], "udp", host[0], host[1]);
        var allowed = Attempt(node, ["--labels", "role=prod"], "udp", "2.2.2.2", "5300");

        Assert.Equal("ECONNREFUSED", byVip.GetProperty("send").GetString());
        Assert.Equal("ECONNREFUSED", byHost.GetProperty("send").GetString());
        Assert.Equal("OK", allowed.GetProperty("send").GetString());
        Wait.Until(() => server.Output.Contains("got ax-escape"), TimeSpan.FromSeconds(10), () => server.Output);
        Assert.Single(server.Output.Split('\n'), l => l.Contains("got ax-escape"));
    }

    [Fact]
    public void UdpSendMsg_ToAServiceByVirtualAndHostAddress_IsRefusedInTheKernel_WhileRoutedSendToStillDelivers()
    {
        using var node = TestNode.Create();
        var server = node.StartApp("--ip", "2.2.2.2", "--labels", "role=prod", "python3", "-c",
            "import socket\ns=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('0.0.0.0', 5300))\nwhile True: print('got', s.recvfrom(100)[0].decode(), flush=True)");
        string[] host = node.WaitForServers("2.2.2.2:5300")[0].Ipv4Addr.Split(':');

        // sendmsg's msg_name never reaches the daemon; the guard's BPF program refuses it in udp_sendmsg.
        var byVip = Attempt(node, ["--labels", "role=test"], "sendmsg", "2.2.2.2", "5300");
        var byHost = Attempt(node, ["--labels", "role=test"], "sendmsg", host[0], host[1]);
        var routed = Attempt(node, ["--labels", "role=prod"], "udp", "2.2.2.2", "5300");

        Assert.Equal("EPERM", byVip.GetProperty("clear_mark").GetString());
        Assert.Equal("EPERM", byVip.GetProperty("send").GetString());
        Assert.Equal("EPERM", byHost.GetProperty("send").GetString());
        Assert.Equal("OK", routed.GetProperty("send").GetString());
        Wait.Until(() => server.Output.Contains("got ax-escape"), TimeSpan.FromSeconds(10), () => server.Output);
        // Exactly one datagram arrived: the routed sendto's, sent by the daemon from the client's socket.
        Assert.Single(server.Output.Split('\n'), l => l.Contains("got ax-escape"));
    }

    [Fact]
    public void UdpSendMsg_ToAPlainListenerOnTheNode_LeavesAsEgress()
    {
        using var node = TestNode.Create();
        using var listener = node.Start(["python3", "-c", "import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('0.0.0.0', 9998)); s.settimeout(10); print('up', flush=True)\ntry: print('arrived', s.recvfrom(100)[0].decode(), flush=True)\nexcept socket.timeout: print('nothing arrived', flush=True)"], ax: false);
        Wait.Until(() => listener.Output.Contains("up"), TimeSpan.FromSeconds(10), () => listener.Output);

        var report = Attempt(node, "sendmsg", node.NodeIp, "9998");

        // Not an ax destination: the guard lets it go, as the router lets a connect to it leave the node.
        Assert.Equal("OK", report.GetProperty("send").GetString());
        Wait.Until(() => listener.Output.Contains("arrived"), TimeSpan.FromSeconds(20), () => listener.Output);
        Assert.Contains("arrived ax-escape", listener.Output);
    }

    private static JsonElement Attempt(TestNode node, string attempt, params string[] args) => Attempt(node, [], attempt, args);

    private static JsonElement Attempt(TestNode node, string[] runArgs, string attempt, params string[] args)
    {
        var result = node.Ax(["run", .. runArgs, "--", "python3", Scripts.Path("escape.py"), attempt, .. args]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonDocument.Parse(result.Stdout).RootElement.Clone();
    }

    private static string NodeNetwork(TestNode node) =>
        string.Join("\n", new[] { "route", "addr", "link" }.Select(what => node.Run(["ip", "-o", what]).Stdout));
}
