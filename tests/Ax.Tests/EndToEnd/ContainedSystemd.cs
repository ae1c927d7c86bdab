using System.Diagnostics;
using System.Globalization;
using Ax.Guard;

namespace Ax.Tests.EndToEnd;

/// <summary>
/// A real systemd as PID 1 of a throw-away system (scripts/boot-systemd.sh): its own PID, mount, network,
/// UTS and cgroup namespaces, a cgroup v2 directory of its own below this process's, and this machine's
/// root under a tmpfs overlay. This machine's PID 1 is not systemd, so this is where a unit can be started
/// and stopped by systemctl. Commands run inside through nsenter. Disposing kills its PID 1 by pid, which
/// ends every process of its PID namespace, and removes its cgroups and its directory.
/// </summary>
internal sealed class ContainedSystemd : IDisposable
{
    private readonly ScratchDirectory _directory;
    private readonly string _cgroup;
    private readonly BackgroundProcess _unshare;

    private ContainedSystemd(ScratchDirectory directory, string cgroup, BackgroundProcess unshare)
    {
        _directory = directory;
        _cgroup = cgroup;
        _unshare = unshare;
    }

    /// <summary>systemd's pid, as this machine sees it.</summary>
    internal int Pid { get; private set; }

    internal static ContainedSystemd Boot(TimeSpan timeout)
    {
        var directory = new ScratchDirectory();
        string cgroup = Path.Combine(OwnCgroup2Directory(), $"ax-systemd-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(cgroup);
        var unshare = new BackgroundProcess(new ProcessStartInfo("bash",
        [
            "-c",
            "echo $$ > \"$1/cgroup.procs\" && exec unshare --fork --pid --mount --net --uts --cgroup --propagation private bash \"$2\" \"$3\"",
            "boot", cgroup, Scripts.Path("boot-systemd.sh"), directory.Path,
        ]));
        var system = new ContainedSystemd(directory, cgroup, unshare);
        try
        {
            Wait.Until(() => system.FindPid() || unshare.HasExited, timeout, () => $"systemd did not start:\n{unshare.Output}");
            Assert.False(unshare.HasExited, $"systemd did not start:\n{unshare.Output}");
            string state = string.Empty;
            Wait.Until(
                () => (state = system.Run("systemctl", "is-system-running").Stdout.Trim()) is "running" or "degraded",
                timeout,
                () => $"systemd did not finish booting ({state}):\n{system.Run("systemctl", "--failed", "--no-pager")}\n{unshare.Output}");
            return system;
        }
        catch
        {
            system.Dispose();
            throw;
        }
    }

    /// <summary>A path of the contained system, as this machine reaches it.</summary>
    internal string HostPath(string path) => $"/proc/{Pid}/root{path}";

    /// <summary>Runs a command inside the contained system and waits for it.</summary>
    internal CommandResult Run(params string[] args) =>
        Shell.Run(new ProcessStartInfo("nsenter", [.. Enter(), .. args]), null, TimeSpan.FromSeconds(60));

    /// <summary>Starts a command inside the contained system, in the background.</summary>
    internal BackgroundProcess Start(params string[] args) => new(new ProcessStartInfo("nsenter", [.. Enter(), .. args]));

    private string[] Enter() => ["-t", Pid.ToString(CultureInfo.InvariantCulture), "-a", "-r", "-w"];

    private bool FindPid()
    {
        string children = $"/proc/{_unshare.Pid}/task/{_unshare.Pid}/children";
        if (File.Exists(children) && int.TryParse(File.ReadAllText(children).Trim(), CultureInfo.InvariantCulture, out int pid)
            && File.Exists($"/proc/{pid}/comm") && File.ReadAllText($"/proc/{pid}/comm").Trim() == "systemd")
        {
            Pid = pid;
            return true;
        }

        return false;
    }

    /// <summary>This process's cgroup v2 directory (cgroups(7): the 0:: line), under the cgroup2 mount (/sys/fs/cgroup or .../unified).</summary>
    private static string OwnCgroup2Directory()
    {
        string path = File.ReadLines("/proc/self/cgroup").First(l => l.StartsWith("0::", StringComparison.Ordinal))[3..];
        foreach (string line in File.ReadLines("/proc/self/mountinfo"))
        {
            if (CgroupDirectory.TryParseCgroup2Mount(line, out string? root, out string? mountPoint) && CgroupDirectory.TryRelative(path, root, out string? relative))
            {
                return mountPoint + relative;
            }
        }

        throw new InvalidOperationException("no cgroup2 mount holds this process's cgroup");
    }

    public void Dispose()
    {
        if (Pid > 0)
        {
            // SIGKILL to a PID namespace's init kills every process in the namespace (pid_namespaces(7)).
            _ = Process.Start("kill", ["-9", Pid.ToString(CultureInfo.InvariantCulture)])!.WaitForExit(5000);
        }

        _unshare.WaitForExit(TimeSpan.FromSeconds(10));
        _unshare.Dispose();

        // The cgroups systemd made, deepest first; a cgroup is removable once its processes are gone.
        Wait.Until(
            () =>
            {
                if (!Directory.Exists(_cgroup))
                {
                    return true;
                }

                foreach (string directory in Directory.GetDirectories(_cgroup, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length).Append(_cgroup))
                {
                    try
                    {
                        Directory.Delete(directory);
                    }
                    catch (DirectoryNotFoundException)
                    {
                        // removed by the last round
                    }
                    catch (IOException)
                    {
                        return false;
                    }
                }

                return true;
            },
            TimeSpan.FromSeconds(10),
            () => $"the cgroup {_cgroup} still has processes");
        _directory.Dispose();
    }
}
