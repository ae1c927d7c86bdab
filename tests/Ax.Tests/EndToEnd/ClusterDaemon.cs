using System.Diagnostics;
using System.Text.Json;
using Ax.Contracts;

namespace Ax.Tests.EndToEnd;

/// <summary>
/// An <c>ax daemon</c> running inside a <see cref="ClusterNode"/> with its own run directory, named
/// "node&lt;index&gt;", on the node's eth0, without the DNS server (not what these tests are about).
/// Disposing kills, each by its pid, the daemon, its keeper and a gossip agent a killed daemon left behind,
/// then removes the run directory.
/// </summary>
internal sealed class ClusterDaemon : IDisposable
{
    private readonly BackgroundProcess _process;

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
        foreach (string word in (string[])["netns", "exec", node.Namespace, AxBinary.Path, "daemon", "--node-name", $"node{node.Index}", "--node-interface", "eth0", "--dns=false", .. args])
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
        _process.Dispose();
        foreach (int? pid in (int?[])[ReadPid("keeper.pid", "keeper"), AgentPid])
        {
            if (pid is null)
            {
                continue;
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

        try
        {
            Directory.Delete(RunDir, recursive: true);
        }
        catch (IOException)
        {
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
