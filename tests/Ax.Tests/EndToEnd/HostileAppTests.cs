using System.Diagnostics;

namespace Ax.Tests.EndToEnd;

/// <summary>A hostile app hammers every trapped call with garbage; the daemon stays up, serves others and leaks nothing.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class HostileAppTests
{
    private const int Rounds = 4;

    /// <summary>How much the daemon's resident memory may grow from the first round to the last.</summary>
    private const long RssGrowthBoundKiB = 24 * 1024;

    [Fact]
    public void GarbageSyscallsFromManyThreads_WithSignalsAndKills_DaemonKeepsServingOthers_AndLeaksNoFdsThreadsOrMemory()
    {
        using var node = TestNode.Create();
        string hostile = Compile(node);
        node.StartApp("--ip", "1.1.1.1", "python3", Scripts.Path("serve_text.py"), "8000", "still here");
        node.WaitForServers("1.1.1.1:8000");
        int daemonPid = node.Daemon!.Pid;
        Assert.Equal("still here", node.Ax("run", "--", "curl", "-s", "1.1.1.1:8000/").Stdout.Trim());
        (int Fds, int Threads) baseline = (node.DaemonFdsAtRest(), Count(daemonPid).Threads);
        long firstRoundRss = 0;

        for (int round = 0; round < Rounds; round++)
        {
            // 16 threads of garbage, SIGUSR1 (no SA_RESTART) into every thread every 20 ms, and a forked
            // child killed mid-call every 100 ms; and this whole app is killed in the middle of its calls
            // in every other round.
            var attacker = node.StartApp("--", hostile, "4", "16");
            var during = node.Ax("run", "--", "curl", "-s", "--max-time", "10", "1.1.1.1:8000/");
            if (round % 2 == 1)
            {
                Thread.Sleep(1500);
                attacker.Dispose();
            }
            else
            {
                Assert.True(attacker.WaitForExit(TimeSpan.FromSeconds(60)), "the hostile app did not finish");
                Assert.Contains("calls", attacker.Output);
            }

            Assert.Equal("still here", during.Stdout.Trim());
            Assert.False(node.Daemon.HasExited, node.Daemon.Output);
            WaitForServiceTableToSettle(node);
            if (round == 0)
            {
                firstRoundRss = RssKiB(daemonPid);
            }
        }

        Assert.False(node.Daemon.HasExited, node.Daemon.Output);
        Assert.Equal("still here", node.Ax("run", "--", "curl", "-s", "1.1.1.1:8000/").Stdout.Trim());
        // The hostile apps' services (they listened on garbage and on real ports) went with them; the
        // daemon's descriptors come back to where they were, and its threads settle (the .NET thread
        // pool may keep a couple of workers a while).
        Wait.Until(() => node.DaemonFdsAtRest() == baseline.Fds, TimeSpan.FromSeconds(10),
            () => $"daemon fds {Count(daemonPid).Fds}, was {baseline.Fds}: {string.Join(' ', TestNode.FdTargets(daemonPid))}");
        Wait.Until(() => Count(daemonPid).Threads <= baseline.Threads + 2, TimeSpan.FromSeconds(30),
            () => $"daemon threads {Count(daemonPid).Threads}, was {baseline.Threads}");
        long lastRoundRss = RssKiB(daemonPid);
        Assert.True(lastRoundRss <= firstRoundRss + RssGrowthBoundKiB,
            $"daemon RSS grew from {firstRoundRss} KiB after round 1 to {lastRoundRss} KiB after round {Rounds}");
    }

    [Fact]
    public void ManyIdleControlConnections_DoNotHoldUpNewAppsOrTheApi()
    {
        using var node = TestNode.Create();

        // Each idle connection may wait for its request up to the daemon's handshake timeout (10 s); a
        // local user opening many must not make other users' launches or the REST API wait for them.
        using var idle = node.Start(["python3", Scripts.Path("idle_control.py"), Path.Combine(node.RunDir, "ax.sock"), "150", "30"], ax: false);
        Wait.Until(() => idle.Output.Contains("open 150", StringComparison.Ordinal), TimeSpan.FromSeconds(20), () => idle.Output);

        for (int i = 0; i < 5; i++)
        {
            CommandResult run = node.Run(["run", "--", "sh", "-c", "echo launched"], ax: true, timeout: TimeSpan.FromSeconds(5));
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Equal("launched", run.Stdout.Trim());
        }

        CommandResult apps = node.Run(["get", "apps"], ax: true, timeout: TimeSpan.FromSeconds(5));
        Assert.True(apps.ExitCode == 0, apps.ToString());
    }

    private static void WaitForServiceTableToSettle(TestNode node) =>
        Wait.Until(() => node.Servers().Length == 1, TimeSpan.FromSeconds(15), () => node.Ax("get", "servers").Stdout);

    private static long RssKiB(int pid)
    {
        string line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static (int Fds, int Threads) Count(int pid) =>
        (Directory.GetFiles($"/proc/{pid}/fd").Length, Directory.GetDirectories($"/proc/{pid}/task").Length);

    private static string Compile(TestNode node)
    {
        string output = Path.Combine(node.WorkDir, "hostile");
        string source = Path.Combine(AppContext.BaseDirectory, "hostile", "hostile.c");
        var result = Shell.Run(new ProcessStartInfo("gcc", ["-O2", "-pthread", "-o", output, source]), null, TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, result.ToString());
        return output;
    }
}
