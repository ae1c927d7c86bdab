using System.Diagnostics;

namespace Ax.Tests.EndToEnd;

/// <summary>
/// Debian's docker.io, with a dockerd of the test's own inside a test node's network namespace: its own
/// data root, exec root, pid file, trust key and API socket under a temporary directory, no bridge and
/// no iptables or forwarding changes, so it touches neither the host's network nor the host's docker
/// (if any). It runs in a mount namespace of its own as well (unshare --mount, private propagation), so
/// the overlay and namespace mounts it makes go with it, with a tmpfs on /run there: containerd 1.6
/// keeps its shims' sockets in /run/containerd/s whatever the exec root, and they stay off the host's
/// /run (the node's /run/netns entry is not needed once nsenter has entered it). No image can be
/// pulled here: images are root filesystem directories brought in with <c>docker import</c>. Disposing
/// removes every container the sandbox started (by name), stops dockerd by its pid (it stops its
/// containerd), then the directory.
/// </summary>
internal sealed class DockerSandbox : IDisposable
{
    internal const string Dockerd = "/usr/sbin/dockerd";

    /// <summary>Debian's client; a docker elsewhere on PATH (another version) is not the one under test.</summary>
    internal const string Docker = "/usr/bin/docker";

    private readonly List<string> _containers = [];
    private readonly List<BackgroundProcess> _processes = [];
    private readonly BackgroundProcess _daemon;

    internal DockerSandbox(TestNode node)
    {
        Directory.CreateDirectory(Root);
        // Docker 20.10 writes a trust key to /etc/docker/key.json unless told otherwise; only the
        // configuration file can say so (its "deprecated-key-path" has no command-line flag).
        File.WriteAllText(Path.Combine(Root, "daemon.json"), $$"""{ "deprecated-key-path": "{{Path.Combine(Root, "key.json")}}" }""" + "\n");
        var startInfo = new ProcessStartInfo("nsenter") { UseShellExecute = false, WorkingDirectory = Path.GetTempPath() };
        foreach (string arg in (string[])[
            $"--net=/run/netns/{node.Name}", "unshare", "--mount", "--propagation", "private", "--",
            "sh", "-c", "mount -t tmpfs ax-dockerd-run /run && exec \"$0\" \"$@\"", Dockerd,
            "--config-file", Path.Combine(Root, "daemon.json"),
            "--data-root", Path.Combine(Root, "data"),
            "--exec-root", Path.Combine(Root, "exec"),
            "--pidfile", Path.Combine(Root, "docker.pid"),
            "-H", $"unix://{Socket}",
            "--bridge=none", "--iptables=false", "--ip6tables=false", "--ip-forward=false", "--ip-masq=false",
            "--exec-opt", "native.cgroupdriver=cgroupfs"])
        {
            startInfo.ArgumentList.Add(arg);
        }

        _daemon = new BackgroundProcess(startInfo);
        try
        {
            Wait.Until(
                () => File.Exists(Socket) && Client(["version"], TimeSpan.FromSeconds(10)).ExitCode == 0,
                TimeSpan.FromSeconds(60),
                () => $"dockerd did not come up:\n{_daemon.Output}");
        }
        catch
        {
            // No using statement disposes an object whose constructor threw.
            Dispose();
            throw;
        }
    }

    internal string Root { get; } = Path.Combine(Path.GetTempPath(), $"axdock-{Guid.NewGuid().ToString("N")[..8]}");

    private string Socket => Path.Combine(Root, "docker.sock");

    /// <summary>Makes image <paramref name="tag"/> from a root filesystem directory (<c>docker import</c> of its tarball).</summary>
    internal void Import(string rootfs, string tag)
    {
        string tarball = Path.Combine(Root, $"{tag.Replace(':', '-')}.tar");
        var tar = Shell.Run(new ProcessStartInfo("tar", ["-C", rootfs, "-cf", tarball, "."]), null, TimeSpan.FromSeconds(30));
        Assert.True(tar.ExitCode == 0, tar.ToString());
        var imported = Client(["import", tarball, tag], TimeSpan.FromSeconds(60));
        Assert.True(imported.ExitCode == 0, imported.ToString());
    }

    /// <summary><c>docker run --rm --name NAME ARGS</c>, waited for.</summary>
    internal CommandResult Run(params string[] args) => Client(["run", "--rm", "--name", NewName(), .. args], TimeSpan.FromSeconds(30));

    /// <summary>The same, in the background, for a server; removed by name when the sandbox is disposed.</summary>
    internal BackgroundProcess Start(params string[] args)
    {
        var process = new BackgroundProcess(ClientStartInfo(["run", "--rm", "--name", NewName(), .. args]));
        _processes.Add(process);
        return process;
    }

    private CommandResult Client(IReadOnlyList<string> args, TimeSpan timeout) => Shell.Run(ClientStartInfo(args), null, timeout);

    private ProcessStartInfo ClientStartInfo(IReadOnlyList<string> args)
    {
        var startInfo = new ProcessStartInfo(Docker) { UseShellExecute = false, WorkingDirectory = Path.GetTempPath() };
        foreach (string arg in (string[])["-H", $"unix://{Socket}", .. args])
        {
            startInfo.ArgumentList.Add(arg);
        }

        return startInfo;
    }

    private string NewName()
    {
        string name = $"{Path.GetFileName(Root)}-{_containers.Count}";
        _containers.Add(name);
        return name;
    }

    public void Dispose()
    {
        foreach (string name in _containers)
        {
            Client(["rm", "--force", name], TimeSpan.FromSeconds(20));
        }

        foreach (var process in _processes)
        {
            process.Dispose();
        }

        // SIGTERM: dockerd stops its containerd and unmounts what it mounted; the kill is for a hung one.
        _daemon.Signal(15);
        _daemon.WaitForExit(TimeSpan.FromSeconds(30));
        _daemon.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }
}
