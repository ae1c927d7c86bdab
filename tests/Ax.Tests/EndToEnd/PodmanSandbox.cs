using System.Diagnostics;

namespace Ax.Tests.EndToEnd;

/// <summary>
/// Debian's podman, run as a user would type it, inside a test node's network namespace (nsenter, not
/// `ip netns exec`, which remounts /sys and hides the cgroup mounts runc needs). What this machine needs
/// to run podman at all (issue 19, "Facts measured on this machine") is kept in the sandbox's own
/// containers.conf (CONTAINERS_CONF), so the command line stays the seed's. No image can be pulled here:
/// the root filesystems are directories made from the host's files. Disposing removes every container
/// the sandbox started (by name), then the directory.
/// </summary>
internal sealed class PodmanSandbox : IDisposable
{
    private readonly List<string> _containers = [];
    private readonly List<BackgroundProcess> _processes = [];

    internal PodmanSandbox()
    {
        Directory.CreateDirectory(Root);
        File.WriteAllText(ConfigPath, """
            [containers]
            cgroupns = "private"
            default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
            [engine]
            runtime = "runc"
            cgroup_manager = "cgroupfs"
            """);
    }

    internal string Root { get; } = Path.Combine(Path.GetTempPath(), $"axpod-{Guid.NewGuid().ToString("N")[..8]}");

    private string ConfigPath => Path.Combine(Root, "containers.conf");

    /// <summary>ax-core, the NativeAOT rest of ax that the static front out/ax execs, built beside it by make build.</summary>
    internal static string Core => Path.Combine(Path.GetDirectoryName(AxBinary.Path)!, "ax-core");

    /// <summary>
    /// A root filesystem with no C library at all: busybox-static (sh, httpd, grep), a web root at /www
    /// that serves <paramref name="page"/>, and, with <paramref name="glibc"/>, the host's glibc files that
    /// <c>ldd out/ax-core</c> lists, as in a Debian-based image.
    /// </summary>
    internal string MakeRootfs(string name, string page, bool glibc = false)
    {
        string rootfs = Path.Combine(Root, name);
        foreach (string directory in (string[])["bin", "www", "tmp", "proc", "sys", "dev", "etc", "usr/bin", "var/run/appswitch"])
        {
            Directory.CreateDirectory(Path.Combine(rootfs, directory));
        }

        File.Copy("/bin/busybox", Path.Combine(rootfs, "bin", "busybox"));
        foreach (string applet in (string[])["sh", "httpd", "wget", "grep", "cat", "id", "true"])
        {
            File.CreateSymbolicLink(Path.Combine(rootfs, "bin", applet), "busybox");
        }

        File.WriteAllText(Path.Combine(rootfs, "www", "index.html"), page + "\n");
        if (glibc)
        {
            var ldd = Shell.Run(new ProcessStartInfo("ldd", [Core]), null, TimeSpan.FromSeconds(10));
            foreach (string line in ldd.Stdout.Split('\n'))
            {
                // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)"
                string library = line.Contains("=>", StringComparison.Ordinal) ? line.Split("=>")[1].Trim() : line.Trim();
                library = library.Split(' ')[0];
                if (library.StartsWith('/'))
                {
                    string target = Path.Combine(rootfs, library.TrimStart('/'));
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    File.Copy(library, target, overwrite: true);
                }
            }
        }

        return rootfs;
    }

    /// <summary>
    /// <c>podman run --rm --name NAME ARGS</c> in the node's namespace, waited for. The container's
    /// network is whatever ARGS say (the tests pass the seed's <c>--net none</c>).
    /// </summary>
    internal CommandResult Run(TestNode node, params string[] args)
    {
        string name = NewName();
        return Shell.Run(StartInfo(node, ["run", "--rm", "--name", name, .. args]), null, TimeSpan.FromSeconds(30));
    }

    /// <summary>The same, in the background, for a server; removed by name when the sandbox is disposed.</summary>
    internal BackgroundProcess Start(TestNode node, params string[] args)
    {
        string name = NewName();
        var process = new BackgroundProcess(StartInfo(node, ["run", "--rm", "--name", name, .. args]));
        _processes.Add(process);
        return process;
    }

    private string NewName()
    {
        string name = $"{Path.GetFileName(Root)}-{_containers.Count}";
        _containers.Add(name);
        return name;
    }

    private ProcessStartInfo StartInfo(TestNode node, IReadOnlyList<string> podmanArgs)
    {
        var startInfo = new ProcessStartInfo("nsenter") { UseShellExecute = false };
        foreach (string arg in (string[])[$"--net=/run/netns/{node.Name}", "podman", .. podmanArgs])
        {
            startInfo.ArgumentList.Add(arg);
        }

        startInfo.Environment["CONTAINERS_CONF"] = ConfigPath;
        startInfo.WorkingDirectory = Path.GetTempPath();
        return startInfo;
    }

    public void Dispose()
    {
        foreach (string name in _containers)
        {
            Shell.Run(new ProcessStartInfo("podman", ["rm", "--force", "--time", "0", "--ignore", name]) { Environment = { ["CONTAINERS_CONF"] = ConfigPath } }, null, TimeSpan.FromSeconds(20));
        }

        foreach (var process in _processes)
        {
            process.Dispose();
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
