using System.Diagnostics;

namespace Ax.Tests.EndToEnd;

/// <summary>A hostile app hammers every trapped call with garbage; the daemon stays up, serves others and leaks nothing.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class HostileAppTests
{
    [Fact]
    public void GarbageSyscallsFromManyThreads_DaemonKeepsServingOthers_AndLeaksNoFdsOrThreads()
    {
        using var node = TestNode.Create();
        string hostile = Compile(node);
        node.StartApp("--ip", "1.1.1.1", "python3", Scripts.Path("serve_text.py"), "8000", "still here");
        node.WaitForServers("1.1.1.1:8000");
        int daemonPid = node.Daemon!.Pid;
        Assert.Equal("still here", node.Ax("run", "--", "curl", "-s", "1.1.1.1:8000/").Stdout.Trim());
        (int Fds, int Threads) baseline = Count(daemonPid);

        for (int round = 0; round < 3; round++)
        {
            var attacker = node.StartApp("--", hostile, "4", "8");
            var during = node.Ax("run", "--", "curl", "-s", "--max-time", "10", "1.1.1.1:8000/");
            Assert.True(attacker.WaitForExit(TimeSpan.FromSeconds(60)), "the hostile app did not finish");
            Assert.Contains("calls", attacker.Output);
            Assert.Equal("still here", during.Stdout.Trim());
        }

        Assert.False(node.Daemon.HasExited, node.Daemon.Output);
        Assert.Equal("still here", node.Ax("run", "--", "curl", "-s", "1.1.1.1:8000/").Stdout.Trim());
        // The hostile app's services (it listens on garbage) go with it; the daemon's descriptors and
        // threads come back to where they were.
        Wait.Until(() => node.Servers().Length == 1, TimeSpan.FromSeconds(5), () => node.Ax("get", "servers").Stdout);
        Wait.Until(() => Count(daemonPid).Fds == baseline.Fds, TimeSpan.FromSeconds(5),
            () => $"daemon fds {Count(daemonPid).Fds}, was {baseline.Fds}");
        Assert.True(Count(daemonPid).Threads <= baseline.Threads + 2, $"daemon threads {Count(daemonPid).Threads}, was {baseline.Threads}");
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
