using System.Text.Json;

namespace Ax.Tests.EndToEnd;

/// <summary>
/// An app's own sockets follow the kernel's rules under ax: it reaches its own wildcard listener at
/// loopback, a port-0 bind reports the port others reach it at, and a second bind of a port it holds
/// fails or succeeds exactly as it would without ax.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class OwnSocketsTests
{
    [Fact]
    public void App_ReachesItsOwnWildcardListener_At127001_TheWildcard_AndIpv6Loopback_SeeingLoopbackBothEnds()
    {
        using var node = TestNode.Create();

        var result = node.Ax("run", "--ip", "4.4.4.4", "--", "python3", Scripts.Path("bind_semantics.py"), "self");

        Assert.True(result.ExitCode == 0, result.ToString());
        var report = JsonDocument.Parse(result.Stdout).RootElement;
        foreach (string name in (string[])["v4", "any", "v6"])
        {
            Assert.True(report.GetProperty(name).GetString() == "OK", result.Stdout);
            Assert.Equal("to myself", report.GetProperty(name + "_line").GetString());
        }

        // As without ax: both ends of a connection to 127.0.0.1 (or to 0.0.0.0, which is dialled as it) are 127.0.0.1.
        Assert.Equal("127.0.0.1", report.GetProperty("v4_peer")[0].GetString());
        Assert.Equal("127.0.0.1", report.GetProperty("v4_accepted_peer")[0].GetString());
        Assert.Equal("127.0.0.1", report.GetProperty("any_peer")[0].GetString());
    }

    [Fact]
    public void AppsSharingTheNodesNetwork_ReachEachOthersWildcardListenersAtLoopback_AppsInTheirOwnNamespaceDoNot()
    {
        using var node = TestNode.Create();
        node.StartApp("--new-netns=false", "python3", Scripts.Path("serve_text.py"), "8123", "on the node's loopback");
        node.WaitForServers($"{node.NodeIp}:8123");

        var sharing = node.Ax("run", "--new-netns=false", "--", "curl", "-sS", "--max-time", "5", "http://127.0.0.1:8123/");
        var ownNamespace = node.Ax("run", "--", "curl", "-sS", "--max-time", "5", "http://127.0.0.1:8123/");

        // Two processes of one host share its loopback; an app in a namespace of its own has its own.
        Assert.Contains("on the node's loopback", sharing.Stdout);
        Assert.NotEqual(0, ownNamespace.ExitCode);
    }

    [Fact]
    public void PortZeroBind_ReportsThePortOtherAppsReachItAt()
    {
        using var node = TestNode.Create();
        using var server = node.StartApp("--ip", "4.4.4.4", "python3", Scripts.Path("bind_semantics.py"), "port0");
        Wait.Until(() => server.Output.Contains("\"port\""), TimeSpan.FromSeconds(15), () => server.Output);
        int port = JsonDocument.Parse(server.Output.Split('\n').First(l => l.Contains("\"port\""))).RootElement.GetProperty("port").GetInt32();

        var probe = node.Ax("run", "--", "python3", Scripts.Path("line_probe.py"), "inet", "4.4.4.4", port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Contains("reached at the port bind(0) reported", probe.Stdout);
        server.CloseInput();
    }

    [Fact]
    public void SecondBinds_WithinOneApp_GetTheKernelsOwnAnswers_TheSameAsWithoutAx()
    {
        using var node = TestNode.Create();

        var direct = node.Run(["python3", Scripts.Path("bind_semantics.py"), "rebind"]);
        var underAx = node.Ax("run", "--ip", "4.4.4.4", "--", "python3", Scripts.Path("bind_semantics.py"), "rebind");

        Assert.True(direct.ExitCode == 0, direct.ToString());
        Assert.True(underAx.ExitCode == 0, underAx.ToString());
        var report = JsonDocument.Parse(underAx.Stdout).RootElement;
        Assert.Equal("EADDRINUSE", report.GetProperty("second_bind").GetString());
        Assert.Equal("EADDRINUSE", report.GetProperty("reuseaddr_listens")[1].GetString());
        Assert.Equal("EADDRINUSE", report.GetProperty("dual_stack_after_v4").GetString());
        Assert.Equal(direct.Stdout.Trim(), underAx.Stdout.Trim());
    }

    [Fact]
    public void TwoAppsOnOneIpAndPort_AreStillBothServers()
    {
        using var node = TestNode.Create();
        node.StartApp("--ip", "4.4.4.4", "python3", Scripts.Path("serve_text.py"), "80", "one");
        node.StartApp("--ip", "4.4.4.4", "python3", Scripts.Path("serve_text.py"), "80", "two");

        var servers = node.WaitForServers("4.4.4.4:80", count: 2);

        Assert.NotEqual(servers[0].Ipv4Addr, servers[1].Ipv4Addr);
    }
}
