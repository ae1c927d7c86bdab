using System.Globalization;
using System.Text.Json;

namespace Ax.Tests.EndToEnd;

/// <summary>
/// A daemon in a PID namespace of its own, as in a container without <c>pid: host</c>: started under
/// <c>unshare --pid --fork --mount-proc</c> in a test node, it is pid 1 there, and the socket guard
/// (Guard/DaemonIdentity.cs) must still know its calls from the apps'. Apps and clients run where the
/// daemon can see them, inside its namespace (as <c>docker exec</c> would put them), entered with nsenter.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class PidNamespaceTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public void DaemonInItsOwnPidNamespace_ServesAnApp_AndTheGuardStillRefusesAHandedOverAppSocket()
    {
        using var node = TestNode.Create(startDaemon: false);
        int daemonPid = StartDaemonInPidNamespace(node);

        node.Start(InDaemonNamespace(daemonPid, AxBinary.Path, "run", "--ip", "1.1.1.1", "python3", Scripts.Path("serve_text.py"), "80", "served from a pid namespace"), ax: false);
        string[] host = node.WaitForServers("1.1.1.1:80")[0].Ipv4Addr.Split(':');

        var client = node.Run(InDaemonNamespace(daemonPid, AxBinary.Path, "run", "--", "curl", "-s", "-m", "10", "http://1.1.1.1/"));
        Assert.True(client.ExitCode == 0, $"{client}\n{node.DescribeProcesses()}");
        Assert.Equal("served from a pid namespace", client.Stdout.Trim());

        // An app socket handed to a plain process, in the daemon's namespace and outside it: both are
        // refused, though the first numbers its pids as the daemon does.
        string handoff = Path.Combine(node.WorkDir, "handoff.sock");
        var giver = node.Start(InDaemonNamespace(daemonPid, AxBinary.Path, "run", "--labels", "role=test", "python3", Scripts.Path("fd_handoff.py"), "give", handoff, "2"), ax: false);
        WaitForLine(giver, "made");
        foreach (var (taker, sent) in new[] { (InDaemonNamespace(daemonPid), "sent 1"), (Array.Empty<string>(), "sent 2") })
        {
            File.Delete(handoff);
            using var process = node.Start([.. taker, "python3", Scripts.Path("fd_handoff.py"), "take", handoff, host[0], host[1], node.NodeIp], ax: false);
            WaitForLine(process, "up");
            giver.WriteLine("go");
            WaitForLine(giver, sent);
            Wait.Until(() => process.Output.Contains('{'), Patience, () => process.Output);
            var report = JsonDocument.Parse(process.Output.Split('\n').First(l => l.StartsWith('{'))).RootElement;
            Assert.Equal("EPERM", report.GetProperty("connect").GetString());
            Assert.Equal("EPERM", report.GetProperty("bind").GetString());
        }
    }

    [Fact]
    public void AppOutsideTheDaemonsPidNamespace_IsToldToUsePidHost()
    {
        using var node = TestNode.Create(startDaemon: false);
        StartDaemonInPidNamespace(node);

        var outside = node.Ax("run", "--", "true");

        Assert.NotEqual(0, outside.ExitCode);
        Assert.Contains("outside the daemon's PID namespace", outside.Stderr, StringComparison.Ordinal);
        Assert.Contains("pid: host", outside.Stderr, StringComparison.Ordinal);
    }

    /// <summary>Starts the node's daemon as pid 1 of a new PID namespace and returns its pid as the machine sees it.</summary>
    private static int StartDaemonInPidNamespace(TestNode node)
    {
        // --kill-child: whoever kills unshare (the node's Dispose) ends the namespace's pid 1 with it.
        var unshare = node.Start(["unshare", "--pid", "--fork", "--kill-child", "--mount-proc", AxBinary.Path, "daemon"], ax: false);
        int daemonPid = 0;
        Wait.Until(
            () =>
            {
                daemonPid = Children(unshare.Pid).FirstOrDefault();
                return daemonPid != 0 && File.Exists(Path.Combine(node.RunDir, "api.sock")) && node.Ax("get", "apps").ExitCode == 0;
            },
            Patience,
            () => $"the daemon did not come up in its PID namespace:\n{unshare.Output}");
        Assert.EndsWith("\t1", File.ReadAllLines($"/proc/{daemonPid}/status").Single(l => l.StartsWith("NSpid:", StringComparison.Ordinal)), StringComparison.Ordinal);
        return daemonPid;
    }

    private static string[] InDaemonNamespace(int daemonPid, params string[] command) =>
        ["nsenter", "--target", daemonPid.ToString(CultureInfo.InvariantCulture), "--pid", "--mount", "--", .. command];

    /// <summary>The children of <paramref name="pid"/> (/proc/PID/task/*/children); none once it has exited.</summary>
    private static int[] Children(int pid)
    {
        try
        {
            return Directory.GetDirectories($"/proc/{pid}/task")
                .SelectMany(task => File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Select(child => int.Parse(child, CultureInfo.InvariantCulture))
                .ToArray();
        }
        catch (IOException)
        {
            return [];
        }
    }

    private static void WaitForLine(BackgroundProcess process, string line) =>
        Wait.Until(
            () => process.Output.Split('\n').Any(l => l.Trim() == line),
            Patience,
            () => $"'{line}' did not come:\n{process.Output}");
}
