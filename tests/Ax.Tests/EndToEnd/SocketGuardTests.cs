using System.Text.Json;

namespace Ax.Tests.EndToEnd;

/// <summary>
/// The second line behind the seccomp filter (Guard/SocketGuard.cs): an app socket handed to a process
/// outside ax, which no filter watches, still cannot be connected or bound there; and the UDP send guard
/// refuses only what ax bound, so a UDP server under ax answers every client on the node.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class SocketGuardTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public void AppSocketHandedOverScmRights_CannotConnectToAProdServerOrBind_WhileProdClientsAndPlainNodeProcessesConnect()
    {
        using var node = TestNode.Create();
        node.StartApp("--ip", "1.1.1.1", "--labels", "role=prod", "python3", Scripts.Path("serve_text.py"), "80", "prod secret");
        string[] host = node.WaitForServers("1.1.1.1:80")[0].Ipv4Addr.Split(':');
        var giver = node.StartApp("--labels", "role=test", "python3", Scripts.Path("fd_handoff.py"), "give", HandoffPath(node), "1");
        WaitForLine(giver, "made");

        var report = HandOver(node, giver, host, "sent 1");

        // The helper is outside ax (no seccomp filter), in the node, holding a real node socket.
        Assert.Equal("EPERM", report.GetProperty("connect").GetString());
        Assert.Equal("EPERM", report.GetProperty("bind").GetString());

        // A client that shares the label still gets there the ordinary way, through the daemon...
        var prod = node.Ax("run", "--labels", "role=prod", "--", "python3", Scripts.Path("connect_probe.py"), host[0], host[1], "blocking");
        Assert.True(prod.ExitCode == 0, prod.ToString());
        Assert.Equal("OK", JsonDocument.Parse(prod.Stdout).RootElement.GetProperty("connect").GetString());

        // ...and a plain process of the node, whose sockets are none of ax's, is not touched at all.
        var plain = node.Run(["python3", "-c", $"import socket; socket.create_connection(('{host[0]}', {host[1]}), 5); print('connected')"]);
        Assert.True(plain.ExitCode == 0, plain.ToString());
        var plainBind = node.Run(["python3", "-c", $"import socket; s=socket.socket(); s.bind(('{node.NodeIp}', 0)); print('bound')"]);
        Assert.True(plainBind.ExitCode == 0, plainBind.ToString());
    }

    [Fact]
    public void AppSocketsMadeBeforeADaemonRestart_StayGuarded_WhileNoDaemonRuns_AndUnderTheNextDaemon()
    {
        using var node = TestNode.Create();
        node.StartApp("--ip", "1.1.1.1", "--labels", "role=prod", "python3", Scripts.Path("serve_text.py"), "80", "prod secret");
        string[] host = node.WaitForServers("1.1.1.1:80")[0].Ipv4Addr.Split(':');
        var giver = node.StartApp("--labels", "role=test", "python3", Scripts.Path("fd_handoff.py"), "give", HandoffPath(node), "2");
        WaitForLine(giver, "made");
        File.Delete(HandoffPath(node));
        using var holder = node.Start(["python3", Scripts.Path("fd_handoff.py"), "take", HandoffPath(node), host[0], host[1], node.NodeIp, "wait"], ax: false);
        WaitForLine(holder, "up");
        giver.WriteLine("go");
        WaitForLine(giver, "sent 1");
        WaitForLine(holder, "holding");

        node.KillDaemon();

        // No daemon: the keeper holds the old daemon's programs, and with them its maps. (The app
        // itself would wait for the next daemon in any trapped call; the holder has no filter.)
        holder.WriteLine("try");
        var meanwhile = Report(holder);
        Assert.Equal("EPERM", meanwhile.GetProperty("connect").GetString());
        Assert.Equal("EPERM", meanwhile.GetProperty("bind").GetString());

        node.StartDaemon();
        node.WaitForServers("1.1.1.1:80");

        // The new daemon found the old daemon's marker map: the socket the old one made is still an app socket.
        var after = HandOver(node, giver, host, "sent 2");
        Assert.Equal("EPERM", after.GetProperty("connect").GetString());
        Assert.Equal("EPERM", after.GetProperty("bind").GetString());

        // And the new daemon itself may connect app sockets: a restored prod app's connect is routed as before.
        var prod = node.Ax("run", "--labels", "role=prod", "--", "python3", Scripts.Path("connect_probe.py"), host[0], host[1], "blocking");
        Assert.True(prod.ExitCode == 0, prod.ToString());
        Assert.Equal("OK", JsonDocument.Parse(prod.Stdout).RootElement.GetProperty("connect").GetString());
    }

    [Fact]
    public void UdpServerAnsweringWithSendmsg_ReachesThirtyNodeClients_WhateverTheirPorts_PoolRangeIncluded()
    {
        using var node = TestNode.Create();
        node.StartApp("--ip", "2.2.2.2", "python3", "-c",
            "import socket\ns=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('0.0.0.0', 5300))\n" +
            "while True:\n    d, a = s.recvfrom(100)\n    try: s.sendmsg([b'pong ' + d], [], 0, a)\n    except OSError as e: print('refused', a, e, flush=True)");
        string[] host = node.WaitForServers("2.2.2.2:5300")[0].Ipv4Addr.Split(':');

        var result = node.Run(["python3", Scripts.Path("udp_reply_clients.py"), host[0], host[1], "30", "40001"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var report = JsonDocument.Parse(result.Stdout).RootElement;
        Assert.True(report.GetProperty("replied").GetInt32() == 30, $"{result.Stdout}\n{node.Daemon?.Output}");
        Assert.True(report.GetProperty("in_pool").GetInt32() >= 10, result.Stdout); // the ten bound from 40001 up, at least
    }

    private static string HandoffPath(TestNode node) => Path.Combine(node.WorkDir, "handoff.sock");

    /// <summary>Starts the receiver outside ax, has the giver send its next socket, and returns what the receiver could do with it.</summary>
    private static JsonElement HandOver(TestNode node, BackgroundProcess giver, string[] host, string sentLine)
    {
        File.Delete(HandoffPath(node));
        using var taker = node.Start(["python3", Scripts.Path("fd_handoff.py"), "take", HandoffPath(node), host[0], host[1], node.NodeIp], ax: false);
        WaitForLine(taker, "up");
        giver.WriteLine("go");
        WaitForLine(giver, sentLine);
        return Report(taker);
    }

    private static JsonElement Report(BackgroundProcess taker)
    {
        Wait.Until(() => taker.Output.Contains('{'), Patience, () => taker.Output);
        string json = taker.Output.Split('\n').First(l => l.StartsWith('{'));
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    private static void WaitForLine(BackgroundProcess process, string line) =>
        Wait.Until(
            () => process.Output.Split('\n').Any(l => l.Trim() == line),
            Patience,
            () => $"'{line}' did not come:\n{process.Output}");
}
