using System.Diagnostics;
using System.Text.Json;
using Ax.Contracts;
using Ax.Control;

namespace Ax.Tests.EndToEnd;

/// <summary>
/// A test node: a network namespace with one veth pair (both ends inside, 10.213.N.1/24 on one) and no
/// default route, running its own ax daemon with its own run directory. Nothing a test does here can
/// leave the machine: a virtual IP ax fails to resolve has no route out. Disposing kills every process
/// the node started, by pid, and removes the namespace and the run directory.
/// </summary>
internal sealed class TestNode : IDisposable
{
    private static int s_nextSubnet = Random.Shared.Next(1, 120);
    private readonly List<BackgroundProcess> _processes = [];

    private TestNode(string name, string nodeIp, string runDir)
    {
        Name = name;
        NodeIp = nodeIp;
        RunDir = runDir;
    }

    internal string Name { get; }

    internal string NodeIp { get; }

    internal string RunDir { get; }

    internal string WorkDir => Path.Combine(RunDir, "..");

    internal BackgroundProcess? Daemon { get; private set; }

    /// <summary>Makes the namespace; starts the daemon unless <paramref name="startDaemon"/> is false.</summary>
    internal static TestNode Create(bool startDaemon = true, params string[] daemonArgs)
    {
        int subnet = Interlocked.Increment(ref s_nextSubnet) % 250 + 1;
        string id = Guid.NewGuid().ToString("N")[..8];
        string name = $"axt-{id}";
        string root = Path.Combine(Path.GetTempPath(), name);
        var node = new TestNode(name, $"10.213.{subnet}.1", Path.Combine(root, "run"));
        Directory.CreateDirectory(root);
        Shell.Check($"ip netns add {name}");
        Shell.Check($"ip -n {name} link add v0 type veth peer name v1");
        Shell.Check($"ip -n {name} addr add {node.NodeIp}/24 dev v0");
        Shell.Check($"ip -n {name} link set v0 up");
        Shell.Check($"ip -n {name} link set v1 up");
        Shell.Check($"ip -n {name} link set lo up");

        // A veth is operationally up a moment after both ends are; the daemon skips interfaces still down.
        Wait.Until(() => File.Exists($"/run/netns/{name}") && Shell.Run(new ProcessStartInfo("ip", ["-n", name, "-o", "link", "show", "v0"]), null, TimeSpan.FromSeconds(10)).Stdout.Contains("state UP", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), () => $"v0 in {name} did not come up");
        if (startDaemon)
        {
            node.StartDaemon(daemonArgs);
        }

        return node;
    }

    internal void StartDaemon(params string[] args)
    {
        Daemon = Start(["daemon", .. args], ax: true);
        string socket = Path.Combine(RunDir, "api.sock");
        Wait.Until(() => File.Exists(socket) && Ax("get", "apps").ExitCode == 0, TimeSpan.FromSeconds(15),
            () => $"the daemon did not come up:\n{Daemon.Output}");
    }

    /// <summary>Kills the daemon (SIGKILL by default, as a crash or the OOM killer would) and waits until it is gone.</summary>
    internal void KillDaemon(int signal = 9)
    {
        Assert.NotNull(Daemon);

        // The daemon saves its service table in the background, within 250 ms of a change (README,
        // "Daemon restarts"); a crash inside that window losing the newest service is a documented
        // limit, not what these tests are about. So wait until the listed services are on disk.
        string saved = Path.Combine(RunDir, "state", "services.json");
        string[] listed = [.. Servers().Select(s => $"\"{s.ServiceAddr}\"")];
        Wait.Until(
            () => listed.All(File.Exists(saved) ? File.ReadAllText(saved).Contains : _ => false),
            TimeSpan.FromSeconds(20),
            () => $"the daemon did not save its service table ({string.Join(", ", listed)}):\n{(File.Exists(saved) ? File.ReadAllText(saved) : "no file")}");
        Daemon.Signal(signal);
        Assert.True(Daemon.WaitForExit(TimeSpan.FromSeconds(10)), $"the daemon did not exit on signal {signal}");
    }

    /// <summary>The pid of the run directory's keeper (run-dir/keeper.pid), if one is running.</summary>
    internal int? KeeperPid()
    {
        string path = Path.Combine(RunDir, "keeper.pid");
        if (!File.Exists(path) || !int.TryParse(File.ReadAllText(path).Trim(), System.Globalization.CultureInfo.InvariantCulture, out int pid))
        {
            return null;
        }

        // Only a live process that is our keeper: a stale file's pid may name someone else by now.
        string cmdline = File.Exists($"/proc/{pid}/cmdline") ? File.ReadAllText($"/proc/{pid}/cmdline") : string.Empty;
        return cmdline.Contains("keeper", StringComparison.Ordinal) && cmdline.Contains(RunDir, StringComparison.Ordinal) ? pid : null;
    }

    /// <summary>Stops the daemon by its pid (SIGTERM, as a service manager would) and waits until it has exited.</summary>
    internal void StopDaemon()
    {
        var daemon = Daemon ?? throw new InvalidOperationException("the node has no daemon to stop");
        daemon.Signal(15);
        Assert.True(daemon.WaitForExit(TimeSpan.FromSeconds(15)), $"the daemon did not stop on SIGTERM:\n{daemon.Output}");
        Daemon = null;
    }

    /// <summary>Starts <c>ax ARGS</c> (or any command) inside the node, in the background.</summary>
    internal BackgroundProcess Start(IReadOnlyList<string> args, bool ax = true)
    {
        var process = new BackgroundProcess(StartInfo(args, ax));
        lock (_processes)
        {
            _processes.Add(process);
        }

        return process;
    }

    /// <summary>Starts <c>ax run RUNARGS</c> in the background.</summary>
    internal BackgroundProcess StartApp(params string[] runArgs) => Start(["run", .. runArgs]);

    /// <summary>Runs <c>ax ARGS</c> inside the node and waits for it.</summary>
    internal CommandResult Ax(params string[] args) => Run(args, ax: true);

    /// <summary>Runs a command inside the node and waits for it (at most <paramref name="timeout"/>).</summary>
    internal CommandResult Run(IReadOnlyList<string> args, bool ax = false, string? stdin = null, TimeSpan? timeout = null, IDictionary<string, string>? environment = null)
    {
        var startInfo = StartInfo(args, ax);
        foreach (var pair in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[pair.Key] = pair.Value;
        }

        return Shell.Run(startInfo, stdin, timeout ?? TimeSpan.FromSeconds(60));
    }

    /// <summary>Waits until the service table lists <paramref name="serviceAddr"/> <paramref name="count"/> times.</summary>
    internal ServerInfo[] WaitForServers(string serviceAddr, int count = 1)
    {
        ServerInfo[] servers = [];
        Wait.Until(
            () =>
            {
                servers = Servers().Where(s => s.ServiceAddr == serviceAddr).ToArray();
                return servers.Length >= count;
            },
            TimeSpan.FromSeconds(20),
            () => $"{serviceAddr} did not appear {count} time(s) in the service table:\n{Ax("get", "servers")}\n{DescribeProcesses()}");
        return servers;
    }

    internal ServerInfo[] Servers()
    {
        var result = Ax("get", "servers", "-o", "json");
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonSerializer.Deserialize(result.Stdout, AxJsonContext.Default.ServerInfoArray)!;
    }

    /// <summary>
    /// The daemon's descriptor count once its namespace pool is full again: the pool refills a little after
    /// each launch, so a count taken right after one would be short by the namespaces still to come.
    /// Waiting for exactly <see cref="NamespacePool.Capacity"/> also proves no namespace leaked. The
    /// smallest of a few counts 20 ms apart: the listener sweep opens a netlink socket for a moment every
    /// 250 ms, and a count that caught one would be one too high (a leak stays in every count).
    /// </summary>
    internal int DaemonFdsAtRest()
    {
        int pid = Daemon!.Pid;
        Wait.Until(
            () => NamespaceFds(pid) == NamespacePool.Capacity,
            TimeSpan.FromSeconds(10),
            () => $"the daemon holds {NamespaceFds(pid)} network namespaces, not the pool's {NamespacePool.Capacity}");
        int fewest = int.MaxValue;
        for (int i = 0; i < 5; i++)
        {
            fewest = Math.Min(fewest, Directory.GetFiles($"/proc/{pid}/fd").Length);
            Thread.Sleep(20);
        }

        return fewest;
    }

    /// <summary>What each open descriptor of <paramref name="pid"/> is, as /proc names it.</summary>
    internal static IEnumerable<string> FdTargets(int pid) =>
        Directory.GetFiles($"/proc/{pid}/fd").Select(f => new FileInfo(f).LinkTarget ?? "?");

    private static int NamespaceFds(int pid) => FdTargets(pid).Count(t => t.StartsWith("net:", StringComparison.Ordinal));

    internal string DescribeProcesses()
    {
        lock (_processes)
        {
            return string.Join("\n", _processes.Select(p => $"--- pid {p.Pid} (exited: {p.HasExited})\n{p.Output}"));
        }
    }

    private ProcessStartInfo StartInfo(IReadOnlyList<string> args, bool ax)
    {
        var startInfo = new ProcessStartInfo("ip") { UseShellExecute = false };
        foreach (string arg in (string[])["netns", "exec", Name, .. (ax ? [AxBinary.Path] : Array.Empty<string>()), .. args])
        {
            startInfo.ArgumentList.Add(arg);
        }

        startInfo.Environment["AX_RUN_DIR"] = RunDir;
        startInfo.WorkingDirectory = Path.GetTempPath();
        return startInfo;
    }

    public void Dispose()
    {
        lock (_processes)
        {
            foreach (var process in Enumerable.Reverse(_processes))
            {
                process.Dispose();
            }
        }

        // The keeper outlives a killed daemon by design (it is in its own session): end it by its pid.
        if (KeeperPid() is int keeper)
        {
            try
            {
                using var process = Process.GetProcessById(keeper);
                process.Kill();
                process.WaitForExit(5000);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // already gone
            }
        }

        Shell.Run(new ProcessStartInfo("ip", ["netns", "del", Name]), null, TimeSpan.FromSeconds(10));
        try
        {
            Directory.Delete(Path.Combine(Path.GetTempPath(), Name), recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
