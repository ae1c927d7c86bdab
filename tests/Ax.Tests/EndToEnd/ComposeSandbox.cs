using System.Diagnostics;

namespace Ax.Tests.EndToEnd;

/// <summary>
/// Debian's docker-compose driving Debian's podman through podman's Docker API (<c>podman system service</c>),
/// one API socket per node, each service started in that node's network namespace (nsenter): a compose
/// file's <c>network_mode: host</c> is then the node's network, and <c>networks: []</c> (no network, as
/// docker-compose reads it) an empty namespace. Debian's podman-compose 1.0.3 cannot run the seed's files:
/// it attaches every service to a bridge network of its own (so <c>networks: []</c> gets one, and
/// <c>network_mode: host</c> fails with "cannot set multiple networks without bridge network mode") and drops
/// <c>pid</c>. What podman keeps (images, containers, volumes, network files, its run files) lives under the
/// sandbox's directory through its own containers.conf and storage.conf, with this machine's settings of
/// issue 19's measured facts, so the compose files stay the seed's. Disposing removes every container by
/// force, stops the API services by pid, unmounts what is left under the directory, then removes it.
/// </summary>
internal sealed class ComposeSandbox : IDisposable
{
    private readonly List<BackgroundProcess> _services = [];

    internal ComposeSandbox()
    {
        Directory.CreateDirectory(Root);
        File.WriteAllText(ConfigPath, $"""
            [containers]
            cgroupns = "private"
            default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
            [network]
            network_config_dir = "{Root}/networks"
            [engine]
            runtime = "runc"
            cgroup_manager = "cgroupfs"
            tmp_dir = "{Root}/libpod"
            """);
        File.WriteAllText(StorageConfigPath, $"""
            [storage]
            driver = "overlay"
            graphroot = "{Root}/storage"
            runroot = "{Root}/runroot"
            """);
    }

    internal string Root { get; } = Path.Combine(Path.GetTempPath(), $"axcompose-{Guid.NewGuid().ToString("N")[..8]}");

    private string ConfigPath => Path.Combine(Root, "containers.conf");

    private string StorageConfigPath => Path.Combine(Root, "storage.conf");

    /// <summary>A new directory in the sandbox (a scratch "/usr/bin", a run directory).</summary>
    internal string NewDirectory(string name) => Directory.CreateDirectory(Path.Combine(Root, name)).FullName;

    /// <summary>Writes a file into the sandbox and returns its path.</summary>
    internal string WriteFile(string name, string text)
    {
        string path = Path.Combine(Root, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary><c>podman ARGS</c> on the sandbox's storage, outside any node (images, logs, listings).</summary>
    internal CommandResult Podman(params string[] args) => Shell.Run(WithPodmanEnvironment(new ProcessStartInfo("podman", args)), null, TimeSpan.FromSeconds(60));

    /// <summary>
    /// An image named <paramref name="tag"/> with the host's python3 in python:alpine's places (scripts/python-rootfs.sh),
    /// imported from a tarball of the root filesystem: no image can be pulled here.
    /// </summary>
    internal void ImportPythonImage(string tag)
    {
        string rootfs = NewDirectory("python-rootfs");
        Check(Shell.Run(new ProcessStartInfo("bash", [Scripts.Path("python-rootfs.sh"), rootfs]), null, TimeSpan.FromSeconds(60)), "python-rootfs.sh");
        var import = WithPodmanEnvironment(new ProcessStartInfo("bash", ["-c", "tar -C \"$0\" -c . | podman import --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' --change 'CMD [\"python3\"]' - \"$1\"", rootfs, tag]));
        Check(Shell.Run(import, null, TimeSpan.FromSeconds(60)), "podman import");
    }

    /// <summary>The ax image as <c>make image</c> builds it (packaging/image/build.sh), from the ax binary under test (the static front) and the ax-core beside it.</summary>
    internal void BuildAxImage(string tag)
    {
        string script = Path.Combine(PackagingTests.RepoRoot, "packaging", "image", "build.sh");
        var build = WithPodmanEnvironment(new ProcessStartInfo("bash", [script, Path.GetDirectoryName(AxBinary.Path)!, tag]));
        Check(Shell.Run(build, null, TimeSpan.FromSeconds(60)), "packaging/image/build.sh");
    }

    /// <summary>Starts podman's Docker API in the network namespace <paramref name="netns"/>; returns its DOCKER_HOST.</summary>
    internal string StartApi(string netns)
    {
        string socket = Path.Combine(Root, $"{netns}.sock");
        var startInfo = WithPodmanEnvironment(new ProcessStartInfo("nsenter", [$"--net=/run/netns/{netns}", "podman", "system", "service", "--time=0", $"unix://{socket}"]));
        var service = new BackgroundProcess(startInfo);
        _services.Add(service);
        Wait.Until(() => File.Exists(socket), TimeSpan.FromSeconds(20), () => $"podman's API in {netns} did not come up:\n{service.Output}");
        return $"unix://{socket}";
    }

    /// <summary><c>docker-compose -p PROJECT -f FILE ARGS</c> against the API at <paramref name="dockerHost"/>, waited for.</summary>
    internal CommandResult Compose(string dockerHost, string project, string file, params string[] args)
    {
        var startInfo = new ProcessStartInfo("docker-compose", ["-p", project, "-f", file, .. args]) { WorkingDirectory = Root };
        startInfo.Environment["DOCKER_HOST"] = dockerHost;
        return Shell.Run(startInfo, null, TimeSpan.FromSeconds(60));
    }

    private ProcessStartInfo WithPodmanEnvironment(ProcessStartInfo startInfo)
    {
        startInfo.UseShellExecute = false;
        startInfo.Environment["CONTAINERS_CONF"] = ConfigPath;
        startInfo.Environment["CONTAINERS_STORAGE_CONF"] = StorageConfigPath;
        startInfo.WorkingDirectory = Root;
        return startInfo;
    }

    private static void Check(CommandResult result, string what) =>
        Assert.True(result.ExitCode == 0, $"{what}: {result}");

    public void Dispose()
    {
        _ = Podman("rm", "--all", "--force", "--time", "0");
        foreach (var service in _services)
        {
            service.Dispose();
        }

        // The storage's overlay mounts of a container podman could not remove, deepest first.
        string[] mounts = [.. File.ReadAllLines("/proc/self/mounts").Select(static l => l.Split(' ')[1]).Where(m => m.StartsWith(Root + "/", StringComparison.Ordinal)).Reverse()];
        foreach (string mount in mounts)
        {
            _ = Shell.Run(new ProcessStartInfo("umount", ["--lazy", mount]), null, TimeSpan.FromSeconds(10));
        }

        _ = Shell.Run(new ProcessStartInfo("rm", ["-rf", "--one-file-system", Root]), null, TimeSpan.FromSeconds(60));
    }
}
