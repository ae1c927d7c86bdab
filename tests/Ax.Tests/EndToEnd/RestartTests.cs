namespace Ax.Tests.EndToEnd;

/// <summary>
/// The daemon dies (SIGKILL, as a crash or the OOM killer) and comes back: running apps keep their
/// established connections, calls made meanwhile wait for the new daemon (or, past the grace, fail with
/// ENETDOWN, never ENOSYS), and the new daemon serves the same apps and services again.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class RestartTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public void DaemonKilledAndRestarted_AppsKeepTheirConnectionsAndServices()
    {
        using var node = TestNode.Create();
        var server = node.StartApp("--ip", "1.1.1.1", "--name", "lines", "python3", Scripts.Path("line_server.py"), "8000");
        node.WaitForServers("1.1.1.1:8000");
        var client = node.StartApp("--ip", "2.2.2.2", "python3", Scripts.Path("line_client.py"), "1.1.1.1", "8000");
        WaitForLine(client, "connected");
        Exchange(client, "echo a", "echo 8000:a");

        node.KillDaemon();
        Assert.NotNull(node.KeeperPid());

        // The established connection is a socket in the node's namespace: it needs no daemon.
        Exchange(client, "echo b", "echo 8000:b");

        // A connect made while no daemon runs waits in the kernel for the next one.
        client.WriteLine("new 8000 c");
        Thread.Sleep(500);
        Assert.DoesNotContain("error", client.Output);

        node.StartDaemon();
        WaitForLine(client, "new 8000:c");
        Assert.DoesNotContain("error", client.Output);

        // The new daemon knows the apps and their services again.
        node.WaitForServers("1.1.1.1:8000");
        string apps = node.Ax("get", "apps").Stdout;
        Assert.Contains("lines", apps);
        Assert.Contains("2.2.2.2", apps);

        // New connects and new listens of the same apps work, and the old connection still carries data.
        Exchange(client, "new 8000 d", "new 8000:d");
        Exchange(server, "listen 9000", "listening 9000");
        node.WaitForServers("1.1.1.1:9000");
        Exchange(client, "new 9000 e", "new 9000:e");
        Exchange(client, "echo f", "echo 8000:f");
        Assert.DoesNotContain("error", client.Output);
    }

    [Fact]
    public void DaemonKilledThenStopped_AppsAreStillServedEachTime()
    {
        using var node = TestNode.Create();
        node.StartApp("--ip", "1.1.1.1", "python3", Scripts.Path("line_server.py"), "8000");
        node.WaitForServers("1.1.1.1:8000");
        var client = node.StartApp("python3", Scripts.Path("line_client.py"), "1.1.1.1", "8000");
        WaitForLine(client, "connected");

        // A crash, then an orderly stop (SIGTERM, as for an upgrade): both leave the apps to the next daemon.
        for (int round = 0; round < 2; round++)
        {
            node.KillDaemon(round == 0 ? 9 : 15);
            node.StartDaemon();
            node.WaitForServers("1.1.1.1:8000");
            Exchange(client, $"new 8000 r{round}", $"new 8000:r{round}");
        }
    }

    [Fact]
    public void DaemonGonePastTheGrace_CallsFailWithEnetdown_ThenWorkAgainAfterRestart()
    {
        using var node = TestNode.Create(true, "--restart-grace", "1");
        node.StartApp("--ip", "1.1.1.1", "python3", Scripts.Path("line_server.py"), "8000");
        node.WaitForServers("1.1.1.1:8000");
        var client = node.StartApp("python3", Scripts.Path("line_client.py"), "1.1.1.1", "8000");
        WaitForLine(client, "connected");

        node.KillDaemon();
        client.WriteLine("new 8000 late");
        WaitForLine(client, "error ENETDOWN");
        Assert.DoesNotContain("ENOSYS", client.Output);

        node.StartDaemon();
        node.WaitForServers("1.1.1.1:8000");
        Exchange(client, "new 8000 back", "new 8000:back");
    }

    [Fact]
    public void CleanRestart_ForgetsAppsAndServices_AndOldAppsGetEnetdownNotEnosys()
    {
        using var node = TestNode.Create();
        node.StartApp("--ip", "1.1.1.1", "python3", Scripts.Path("line_server.py"), "8000");
        node.WaitForServers("1.1.1.1:8000");
        var client = node.StartApp("python3", Scripts.Path("line_client.py"), "1.1.1.1", "8000");
        WaitForLine(client, "connected");
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(node.RunDir, "state", "apps")));

        node.KillDaemon();
        node.StartDaemon("--clean");

        Assert.Empty(node.Servers());
        Assert.DoesNotContain("1.1.1.1", node.Ax("get", "apps").Stdout);
        Assert.Empty(Directory.GetFiles(Path.Combine(node.RunDir, "state", "apps")));

        // The app from before is nobody's now: its calls fail with an errno it can handle.
        client.WriteLine("new 8000 x");
        WaitForLine(client, "error ENETDOWN");

        // The established connection is untouched.
        Exchange(client, "echo y", "echo 8000:y");
    }

    [Fact]
    public void ConnectTheDeadDaemonLeftUnanswered_IsReleased_NotLeftHanging()
    {
        using var node = TestNode.Create();

        // A host in the node's own subnet that never answers: SYNs go to the veth peer and are dropped
        // (nothing leaves the namespace); with two SYN retries the kernel gives up after about 7 s.
        string silent = node.NodeIp[..node.NodeIp.LastIndexOf('.')] + ".99";
        Shell.Check($"ip -n {node.Name} neigh add {silent} lladdr 02:00:00:00:00:99 dev v0 nud permanent");
        Assert.Equal(0, node.Run(["sysctl", "-q", "-w", "net.ipv4.tcp_syn_retries=2"]).ExitCode);
        var app = node.StartApp("python3", Scripts.Path("stuck_connect.py"), silent, "80");
        WaitForLine(app, "connecting");
        Thread.Sleep(1000); // let the daemon take the call: it now waits for the kernel's verdict

        node.KillDaemon();
        node.StartDaemon();

        // The app's next trapped call shows the new daemon the call the old one left unanswered.
        Exchange(app, "ping", "pong");
        Wait.Until(() => app.Output.Contains("result ", StringComparison.Ordinal), Patience, () => app.Output);
        Assert.DoesNotContain("ENOSYS", app.Output);
    }

    [Fact]
    public void KeeperKilled_IsReplacedByTheDaemon_AndAppsStillSurviveADaemonCrash()
    {
        using var node = TestNode.Create();
        node.StartApp("--ip", "1.1.1.1", "python3", Scripts.Path("line_server.py"), "8000");
        node.WaitForServers("1.1.1.1:8000");
        var client = node.StartApp("python3", Scripts.Path("line_client.py"), "1.1.1.1", "8000");
        WaitForLine(client, "connected");
        int first = node.KeeperPid() ?? throw new InvalidOperationException("no keeper runs");

        Assert.Equal(0, node.Run(["kill", "-9", first.ToString(System.Globalization.CultureInfo.InvariantCulture)]).ExitCode);
        Wait.Until(() => node.KeeperPid() is int pid && pid != first, Patience, () => "no new keeper was started");
        Wait.Until(() => node.Daemon!.Output.Contains("handed it 2 app listener(s)", StringComparison.Ordinal), Patience, () => node.Daemon!.Output);

        // The new keeper was handed every listener: a daemon crash now still leaves the apps served.
        node.KillDaemon();
        node.StartDaemon();
        node.WaitForServers("1.1.1.1:8000");
        Exchange(client, "new 8000 k", "new 8000:k");
    }

    [Fact]
    public void KeeperGivenGarbage_OrApproachedByNonRoot_KeepsTheApps()
    {
        using var node = TestNode.Create();
        node.StartApp("--ip", "1.1.1.1", "python3", Scripts.Path("line_server.py"), "8000");
        node.WaitForServers("1.1.1.1:8000");
        var client = node.StartApp("python3", Scripts.Path("line_client.py"), "1.1.1.1", "8000");
        WaitForLine(client, "connected");
        int keeper = node.KeeperPid() ?? throw new InvalidOperationException("no keeper runs");
        string socket = Path.Combine(node.RunDir, "keeper.sock");

        var nobody = node.Run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", Scripts.Path("keeper_garbage.py"), socket]);
        Assert.Contains("refused", nobody.Stdout);
        var root = node.Run(["python3", Scripts.Path("keeper_garbage.py"), socket]);
        Assert.Contains("sent", root.Stdout);

        // Same keeper, and the daemon has handed it everything again (a new connection displaced the daemon's).
        Assert.Equal(keeper, node.KeeperPid());
        Wait.Until(() => node.Daemon!.Output.Contains("handed it 2 app listener(s)", StringComparison.Ordinal), Patience, () => node.Daemon!.Output);
        node.KillDaemon();
        node.StartDaemon();
        node.WaitForServers("1.1.1.1:8000");
        Exchange(client, "new 8000 g", "new 8000:g");
    }

    [Fact]
    public void SecondDaemon_WhileTheFirstRuns_IsRefused_AndLeavesTheAppsAlone()
    {
        using var node = TestNode.Create();
        node.StartApp("--ip", "1.1.1.1", "python3", Scripts.Path("line_server.py"), "8000");
        node.WaitForServers("1.1.1.1:8000");

        var second = node.Ax("daemon", "--rest-port", "6665");
        Assert.NotEqual(0, second.ExitCode);
        Assert.Contains("already using", second.Stderr);
        node.WaitForServers("1.1.1.1:8000");
    }

    [Fact]
    public void UdpSendGuard_StaysInForceWhileNoDaemonRuns_AndTheNextDaemonsRoutedSendsGetThrough()
    {
        using var node = TestNode.Create();
        var server = node.StartApp("--ip", "2.2.2.2", "--labels", "role=prod", "python3", "-c",
            "import socket\ns=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('0.0.0.0', 5300))\nwhile True: print('got', s.recvfrom(100)[0].decode(), flush=True)");
        string host = node.WaitForServers("2.2.2.2:5300")[0].Ipv4Addr.Replace(':', ' ');
        var outsider = node.StartApp("--labels", "role=test", "python3", Scripts.Path("udp_sender.py"));
        var insider = node.StartApp("--labels", "role=prod", "python3", Scripts.Path("udp_sender.py"));
        WaitForLine(outsider, "ready");
        WaitForLine(insider, "ready");

        node.KillDaemon();

        // No daemon: the keeper still holds the guard, so the labels still hold for sendmsg.
        Exchange(outsider, $"sendmsg {host}", "sendmsg 1 EPERM");

        node.StartDaemon();
        node.WaitForServers("2.2.2.2:5300");

        // The new daemon's guard took over (the old one, which let only the dead daemon send, is gone):
        // a permitted sendto, which the daemon sends from the app's socket, arrives.
        Exchange(outsider, $"sendmsg {host}", "sendmsg 2 EPERM");
        Exchange(insider, "sendto 2.2.2.2 5300", "sendto 1 OK");
        WaitForLine(server, "got ax-1");
        Assert.Single(server.Output.Split('\n'), l => l.StartsWith("got", StringComparison.Ordinal));
    }

    private static void Exchange(BackgroundProcess process, string command, string expected)
    {
        process.WriteLine(command);
        WaitForLine(process, expected);
    }

    private static void WaitForLine(BackgroundProcess process, string line) =>
        Wait.Until(
            () => process.Output.Split('\n').Any(l => l.Trim() == line),
            Patience,
            () => $"'{line}' did not come:\n{process.Output}");
}
