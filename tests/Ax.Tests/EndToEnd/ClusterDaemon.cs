using System.Diagnostics;
using System.Text.Json;
using Ax.Contracts;

namespace Ax.Tests.EndToEnd;

/// <summary>
/// An <c>ax daemon</c> running inside a <see cref="ClusterNode"/> with its own run directory, named
/// "node&lt;index&gt;", on the node's eth0, without the DNS server unless the arguments say otherwise.
/// Disposing kills, each by its pid, the daemon, its keeper and a gossip agent a killed daemon left behind,
/// then removes the run directory.
/// </summary>
internal sealed class ClusterDaemon : IDisposable
{
    private readonly BackgroundProcess _process;
    private readonly List<BackgroundProcess> _apps = [];

    private ClusterDaemon(ClusterNode node, string runDir, BackgroundProcess process)
    {
        Node = node;
        RunDir = runDir;
        _process = process;
    }

    internal ClusterNode Node { get; }

    internal string NodeName => $"node{Node.Index}";

    internal string RunDir { get; }

    internal int Pid => _process.Pid;

    internal bool HasExited => _process.HasExited;

    internal int ExitCode => _process.ExitCode;

    /// <summary>The daemon's log (stdout and stderr) so far.</summary>
    internal string Output => _process.Output;

    /// <summary>The gossip agent's pid, from the file the daemon keeps in its run directory.</summary>
    internal int? AgentPid => ReadPid("serf.pid", "serf");

    /// <summary>Starts <c>ax daemon ARGS</c> in <paramref name="node"/>; does not wait for it (see <see cref="WaitUntilServing"/>).</summary>
    internal static ClusterDaemon Start(ClusterNode node, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        string runDir = Path.Combine(Path.GetTempPath(), $"{node.Namespace}-run");
        Directory.CreateDirectory(runDir);
        var startInfo = new ProcessStartInfo("ip") { UseShellExecute = false };
        string[] dns = args.Any(a => a.StartsWith("--dns", StringComparison.Ordinal)) ? [] : ["--dns=false"];
        foreach (string word in (string[])["netns", "exec", node.Namespace, AxBinary.Path, "daemon", "--node-name", $"node{node.Index}", "--node-interface", "eth0", .. dns, .. args])
        {
            startInfo.ArgumentList.Add(word);
        }

        startInfo.Environment["AX_RUN_DIR"] = runDir;
        foreach (var pair in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[pair.Key] = pair.Value;
        }

        startInfo.WorkingDirectory = Path.GetTempPath();
        return new ClusterDaemon(node, runDir, new BackgroundProcess(startInfo));
    }

    /// <summary>Waits until the daemon answers <c>ax get nodes</c>; fails with its log if it exits or never does.</summary>
    internal ClusterDaemon WaitUntilServing()
    {
        Wait.Until(
            () => _process.HasExited ? throw new InvalidOperationException($"{NodeName}'s daemon exited with {_process.ExitCode}:\n{Output}") : Ax("get", "nodes").ExitCode == 0,
            TimeSpan.FromSeconds(20),
            () => $"{NodeName}'s daemon did not come up:\n{Output}");
        return this;
    }

    /// <summary>Runs <c>ax ARGS</c> against this daemon's run directory.</summary>
    internal CommandResult Ax(params string[] args)
    {
        var startInfo = new ProcessStartInfo(AxBinary.Path, args);
        startInfo.Environment["AX_RUN_DIR"] = RunDir;
        return Shell.Run(startInfo, null, TimeSpan.FromSeconds(30));
    }

    /// <summary>Starts <c>ax run RUNARGS</c> inside this node, served by this daemon, in the background; killed on dispose.</summary>
    internal BackgroundProcess StartApp(params string[] runArgs)
    {
        var startInfo = new ProcessStartInfo("ip") { UseShellExecute = false };
        foreach (string word in (string[])["netns", "exec", Node.Namespace, AxBinary.Path, "run", .. runArgs])
        {
            startInfo.ArgumentList.Add(word);
        }

        startInfo.Environment["AX_RUN_DIR"] = RunDir;
        startInfo.WorkingDirectory = Path.GetTempPath();
        var app = new BackgroundProcess(startInfo);
        lock (_apps)
        {
            _apps.Add(app);
        }

        return app;
    }

    /// <summary>Runs <c>ax ARGS</c> inside this node against this daemon (for <c>ax run</c>: the app runs in the node).</summary>
    internal CommandResult AxInNode(params string[] args)
    {
        var startInfo = new ProcessStartInfo("ip");
        foreach (string word in (string[])["netns", "exec", Node.Namespace, AxBinary.Path, .. args])
        {
            startInfo.ArgumentList.Add(word);
        }

        startInfo.Environment["AX_RUN_DIR"] = RunDir;
        return Shell.Run(startInfo, null, TimeSpan.FromSeconds(60));
    }

    /// <summary>The rows of <c>ax get servers -o json</c>.</summary>
    internal ServerInfo[] Servers()
    {
        var result = Ax("get", "servers", "-o", "json");
        Assert.True(result.ExitCode == 0, $"ax get servers on {NodeName}: {result}");
        return JsonSerializer.Deserialize(result.Stdout, AxJsonContext.Default.ServerInfoArray)!;
    }

    /// <summary>Waits until this node's table lists <paramref name="serviceAddr"/> at least <paramref name="count"/> times.</summary>
    internal ServerInfo[] WaitForServers(string serviceAddr, int count = 1, TimeSpan? timeout = null)
    {
        ServerInfo[] servers = [];
        Wait.Until(
            () => (servers = [.. Servers().Where(s => s.ServiceAddr == serviceAddr)]).Length >= count,
            timeout ?? TimeSpan.FromSeconds(20),
            () => $"{serviceAddr} did not appear {count} time(s) in {NodeName}'s table:\n{Ax("get", "servers")}\n{Output}");
        return servers;
    }

    /// <summary>Waits until this node's table no longer lists <paramref name="serviceAddr"/>.</summary>
    internal void WaitForNoServer(string serviceAddr, TimeSpan? timeout = null) =>
        Wait.Until(
            () => !Servers().Any(s => s.ServiceAddr == serviceAddr),
            timeout ?? TimeSpan.FromSeconds(20),
            () => $"{serviceAddr} stayed in {NodeName}'s table:\n{Ax("get", "servers")}\n{Output}");

    /// <summary>The node dies at once: its daemon, keeper, gossip agent and apps are killed (SIGKILL, each by its pid).</summary>
    internal void Kill()
    {
        foreach (int? pid in (int?[])[Pid, ReadPid("keeper.pid", "keeper"), AgentPid, .. AppPids()])
        {
            KillPid(pid);
        }

        _process.WaitForExit(TimeSpan.FromSeconds(10));
    }

    /// <summary>The rows of <c>ax get nodes -o json</c>.</summary>
    internal ClusterNodeInfo[] Nodes()
    {
        var result = Ax("get", "nodes", "-o", "json");
        Assert.True(result.ExitCode == 0, $"ax get nodes on {NodeName}: {result}");
        return JsonSerializer.Deserialize(result.Stdout, AxJsonContext.Default.ClusterNodeInfoArray)!;
    }

    /// <summary>The node names <c>ax get nodes</c> lists, sorted.</summary>
    internal string[] NodeNames() => [.. Nodes().Select(n => n.NodeId).Order(StringComparer.Ordinal)];

    /// <summary>Stops the daemon by its pid (SIGTERM, as a service manager would) and waits until it has exited.</summary>
    internal void Stop()
    {
        _process.Signal(15);
        Assert.True(_process.WaitForExit(TimeSpan.FromSeconds(20)), $"{NodeName}'s daemon did not stop on SIGTERM:\n{Output}");
    }

    internal bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    public void Dispose()
    {
        lock (_apps)
        {
            _apps.ForEach(static a => a.Dispose());
            _apps.Clear();
        }

        _process.Dispose();
        foreach (int? pid in (int?[])[ReadPid("keeper.pid", "keeper"), AgentPid])
        {
            KillPid(pid);
        }

        try
        {
            Directory.Delete(RunDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void KillPid(int? pid)
    {
        if (pid is null)
        {
            return;
        }

        try
        {
            using var process = Process.GetProcessById(pid.Value);
            process.Kill();
            process.WaitForExit(5000);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // already gone
        }
    }

    private int?[] AppPids()
    {
        lock (_apps)
        {
            return [.. _apps.Where(static a => !a.HasExited).Select(static a => (int?)a.Pid)];
        }
    }

    /// <summary>A pid from the run directory, only while it still names a live process of <paramref name="what"/> (pids are reused).</summary>
    private int? ReadPid(string file, string what)
    {
        string path = Path.Combine(RunDir, file);
        if (!File.Exists(path) || !int.TryParse(File.ReadAllText(path).Trim(), System.Globalization.CultureInfo.InvariantCulture, out int pid))
        {
            return null;
        }

        string cmdline = File.Exists($"/proc/{pid}/cmdline") ? File.ReadAllText($"/proc/{pid}/cmdline") : string.Empty;
        return cmdline.Contains(what, StringComparison.Ordinal) ? pid : null;
    }
}
