using System.Diagnostics;

namespace Ax.Tests.EndToEnd;

/// <summary>
/// Installation without a container (README, "Installing"): <c>make install</c>, the systemd unit and its
/// settings file, and the Debian package of <c>make deb</c>. This machine's PID 1 is not systemd, so no
/// test here starts the unit through systemctl: the unit is checked by <c>systemd-analyze verify</c>, and
/// its ExecStart is run by hand in a test node with the settings file's variables, as systemd would run
/// it. The package is installed into a scratch root (<c>dpkg --root</c>), never into this machine's /usr.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class PackagingTests(BuiltPackage package) : IClassFixture<BuiltPackage>
{
    private static readonly string[] InstalledFiles = ["etc/default/ax", "usr/local/bin/ax", "usr/local/bin/ax-core", "usr/local/lib/systemd/system/ax.service"];

    [Fact]
    public void MakeInstall_LaysOutTheFrontAxCoreTheUnitAndTheSettingsFile_AndUninstallRemovesExactlyThose()
    {
        using var stage = new ScratchDirectory();
        Make("install", $"DESTDIR={stage.Path}");

        Assert.Equal(InstalledFiles, stage.Files());
        Assert.Equal(File.ReadAllBytes(AxBinary.Path), File.ReadAllBytes(stage.At("usr/local/bin/ax")));
        Assert.True(File.GetUnixFileMode(stage.At("usr/local/bin/ax")).HasFlag(UnixFileMode.OtherExecute));
        Assert.Equal(File.ReadAllBytes(PodmanSandbox.Core), File.ReadAllBytes(stage.At("usr/local/bin/ax-core")));
        Assert.True(File.GetUnixFileMode(stage.At("usr/local/bin/ax-core")).HasFlag(UnixFileMode.OtherExecute));

        var unit = UnitFile.Read(stage.At("usr/local/lib/systemd/system/ax.service"));
        Assert.Equal("/usr/local/bin/ax daemon", unit["ExecStart"]);
        Assert.Equal("-/etc/default/ax", unit["EnvironmentFile"]);
        Assert.Equal("process", unit["KillMode"]);
        Assert.Equal("on-failure", unit["Restart"]);
        Assert.Equal("multi-user.target", unit["WantedBy"]);

        // Every variable of the settings file is one `ax daemon` honours, each after one comment line.
        string[] lines = File.ReadAllLines(stage.At("etc/default/ax"));
        string[] variables = [.. lines.Where(l => l.StartsWith("AX_", StringComparison.Ordinal)).Select(l => l.Split('=')[0])];
        Assert.Equal(["AX_DRIVER", "AX_NODE_INTERFACE", "AX_NEIGHBORS", "AX_CLUSTER", "AX_OPTS", "AX_RUN_DIR"], variables);
        Assert.All(variables, v => Assert.StartsWith("# ", lines[Array.FindIndex(lines, l => l.StartsWith(v + "=", StringComparison.Ordinal)) - 1]));

        // A second install keeps the admin's settings.
        File.AppendAllText(stage.At("etc/default/ax"), "AX_CLUSTER=mine\n");
        Make("install", $"DESTDIR={stage.Path}");
        Assert.EndsWith("AX_CLUSTER=mine\n", File.ReadAllText(stage.At("etc/default/ax")), StringComparison.Ordinal);

        Make("uninstall", $"DESTDIR={stage.Path}");
        Assert.Empty(stage.Files());
    }

    [Fact]
    public void SystemdAnalyzeVerify_AcceptsTheInstalledUnit()
    {
        using var stage = new ScratchDirectory();

        // Installed under the scratch directory itself (PREFIX, not DESTDIR): systemd-analyze then finds the
        // ExecStart binary where the unit says, and this machine's own units (sysinit.target ...) for the
        // dependencies. It exits 0 even on a bad setting and only warns, so the test reads its warnings.
        Make("install", $"PREFIX={stage.At("usr")}", $"DEFAULTFILE={stage.At("etc/default/ax")}");
        string unit = stage.At("usr/lib/systemd/system/ax.service");
        var verify = Run("systemd-analyze", "verify", unit);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.DoesNotContain("ax.service", verify.Stdout + verify.Stderr, StringComparison.Ordinal);

        // ...and it does read them: a broken setting is named.
        File.WriteAllText(unit, File.ReadAllText(unit).Replace("KillMode=process", "KillMode=processes", StringComparison.Ordinal));
        Assert.Contains("ax.service:", Run("systemd-analyze", "verify", unit).Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void UnitExecStart_WithTheSettingsFile_RunsADaemonThatServesApps_AndARestartOfTheDaemonAloneKeepsThem()
    {
        using var stage = new ScratchDirectory();
        Make("install", $"DESTDIR={stage.Path}");
        using var node = TestNode.Create(startDaemon: false);

        // The settings an admin would write into /etc/default/ax.
        string settings = stage.At("etc/default/ax");
        File.WriteAllText(settings, File.ReadAllText(settings)
            .Replace("AX_DRIVER=\n", "AX_DRIVER=user\n", StringComparison.Ordinal)
            .Replace("AX_NODE_INTERFACE=\n", "AX_NODE_INTERFACE=v0\n", StringComparison.Ordinal)
            .Replace("AX_CLUSTER=\n", "AX_CLUSTER=packaged\n", StringComparison.Ordinal)
            .Replace("AX_OPTS=\n", "AX_OPTS=--node-name pkg-node\n", StringComparison.Ordinal)
            .Replace("AX_RUN_DIR=\n", $"AX_RUN_DIR={node.RunDir}\n", StringComparison.Ordinal));

        var unit = UnitFile.Read(stage.At("usr/local/lib/systemd/system/ax.service"));
        BackgroundProcess StartUnit() => node.Start(ExecStartAsSystemdWould(unit, stage), ax: false);

        var daemon = StartUnit();
        Wait.Until(() => node.Ax("get", "apps").ExitCode == 0, TimeSpan.FromSeconds(15), () => $"the unit's daemon did not come up:\n{daemon.Output}");
        string nodes = node.Ax("get", "nodes").Stdout;
        Assert.Contains("pkg-node", nodes);
        Assert.Contains("packaged", nodes);
        Assert.Contains(node.NodeIp, nodes);

        node.StartApp("--ip", "1.1.1.1", "--name", "web", "--", "python3", "-m", "http.server", "8000", "--directory", stage.Path);
        node.WaitForServers("1.1.1.1:8000");
        Assert.Contains("web", node.Ax("get", "apps").Stdout);
        var first = node.Ax("run", "--", "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "1.1.1.1:8000/");
        Assert.True(first.Stdout.Trim() == "200", first.ToString());

        // KillMode=process: `systemctl restart ax` sends SIGTERM to the daemon alone; the keeper and the app live on.
        // The daemon saves its service table within 250 ms of a change and, today, not again when it stops:
        // a restart inside that window loses the newest service (seen in `make test`; reported to the lead).
        string saved = Path.Combine(node.RunDir, "state", "services.json");
        Wait.Until(() => File.Exists(saved) && File.ReadAllText(saved).Contains("\"1.1.1.1:8000\"", StringComparison.Ordinal), TimeSpan.FromSeconds(10), () => "the service table was not saved");
        int? keeper = node.KeeperPid();
        Assert.NotNull(keeper);
        daemon.Signal(15);
        Assert.True(daemon.WaitForExit(TimeSpan.FromSeconds(15)), $"the daemon did not stop on SIGTERM:\n{daemon.Output}");
        Assert.Equal(keeper, node.KeeperPid());

        daemon = StartUnit();
        Wait.Until(() => node.Ax("get", "apps").ExitCode == 0, TimeSpan.FromSeconds(15), () => $"the restarted daemon did not come up:\n{daemon.Output}");
        node.WaitForServers("1.1.1.1:8000");
        var second = node.Ax("run", "--", "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "1.1.1.1:8000/");
        Assert.True(second.Stdout.Trim() == "200", $"{second}\n{daemon.Output}");
    }

    [Fact]
    public void MakeDeb_BuildsAPackageOfTheFrontAxCoreTheUnitAndTheConffile_WithItsDependencies()
    {
        string deb = package.Path;

        string version = File.ReadAllText(Path.Combine(RepoRoot, "VERSION")).Trim();
        Assert.Equal($"ax_{version}_amd64.deb", Path.GetFileName(deb));
        Assert.Equal("ax", Field(deb, "Package"));
        Assert.Equal(version, Field(deb, "Version"));
        Assert.Matches(@"^libc6 \(>= 2\.[0-9]+\), libssl3, serf$", Field(deb, "Depends"));
        Assert.Equal(version, Run(AxBinary.Path, "--version").Stdout.Trim());

        // Only the four files (and their directories), owned by root.
        string[] contents = Run("dpkg-deb", "-c", deb).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(contents, line => Assert.Contains(" root/root ", line));
        string[] files = [.. contents.Where(l => !l.StartsWith('d')).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1])];
        Assert.Equal(["./etc/default/ax", "./lib/systemd/system/ax.service", "./usr/bin/ax", "./usr/bin/ax-core"], files.Order(StringComparer.Ordinal));
        Assert.Contains(contents, l => l.StartsWith("-rwxr-xr-x", StringComparison.Ordinal) && l.EndsWith("./usr/bin/ax", StringComparison.Ordinal));
        Assert.Contains(contents, l => l.StartsWith("-rwxr-xr-x", StringComparison.Ordinal) && l.EndsWith("./usr/bin/ax-core", StringComparison.Ordinal));

        Assert.Equal("/etc/default/ax", Run("dpkg-deb", "-I", deb, "conffiles").Stdout.Trim());
        using var extracted = new ScratchDirectory();
        Assert.Equal(0, Run("dpkg-deb", "-x", deb, extracted.Path).ExitCode);
        Assert.Equal("/usr/bin/ax daemon", UnitFile.Read(extracted.At("lib/systemd/system/ax.service"))["ExecStart"]);
    }

    [Fact]
    public void Deb_InstallsIntoAScratchRoot_EnablesTheUnit_AndRemoveThenPurgeLeaveNothing()
    {
        string deb = package.Path;
        using var root = new ScratchDirectory();
        foreach (string directory in (string[])["var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers", "etc/systemd/system"])
        {
            Directory.CreateDirectory(root.At(directory));
        }

        File.WriteAllText(root.At("var/lib/dpkg/status"), string.Empty);
        string[] before = root.Files();
        bool hostEnabledBefore = Path.Exists("/etc/systemd/system/multi-user.target.wants/ax.service");

        // --force-script-chrootless: the maintainer scripts run here with DPKG_ROOT set (the scratch root has
        // no shell to chroot into), so deb-systemd-helper works on the scratch root's /etc.
        // --force-depends: serf and libssl3 are this machine's, not the scratch root's.
        Dpkg(root, "--force-depends", "-i", deb);
        Assert.True(File.Exists(root.At("usr/bin/ax")));
        Assert.True(File.Exists(root.At("usr/bin/ax-core")));
        Assert.True(File.Exists(root.At("lib/systemd/system/ax.service")));
        Assert.True(File.Exists(root.At("etc/default/ax")));
        Assert.Equal("/lib/systemd/system/ax.service", new FileInfo(root.At("etc/systemd/system/multi-user.target.wants/ax.service")).LinkTarget);
        Assert.Contains("Status: install ok installed", Dpkg(root, "-s", "ax"));
        Assert.Equal(hostEnabledBefore, Path.Exists("/etc/systemd/system/multi-user.target.wants/ax.service"));

        // Remove: the program and the unit go, the admin's settings (a conffile) stay until purge.
        Dpkg(root, "-r", "ax");
        Assert.False(File.Exists(root.At("usr/bin/ax")));
        Assert.False(File.Exists(root.At("usr/bin/ax-core")));
        Assert.False(File.Exists(root.At("lib/systemd/system/ax.service")));
        Assert.True(File.Exists(root.At("etc/default/ax")));

        Dpkg(root, "-P", "ax");
        // Purge: nothing of ax is left, neither files nor the unit's enablement and mask (dpkg's own
        // database files aside; deb-systemd-helper leaves only its empty state directories).
        string[] after = root.Files();
        static bool OutsideDpkg(string f) => !f.StartsWith("var/lib/dpkg/", StringComparison.Ordinal);
        Assert.Equal(before.Where(OutsideDpkg), after.Where(OutsideDpkg));
        Assert.DoesNotContain(after, f => f.StartsWith("var/lib/dpkg/info/ax.", StringComparison.Ordinal));
        Assert.DoesNotContain("Package: ax", File.ReadAllText(root.At("var/lib/dpkg/status")));
        Assert.Empty(Directory.GetDirectories(root.At("etc/systemd/system")));
    }

    [Fact]
    public void Deb_UnderARealSystemd_AptInstallStartsTheUnit_RestartKeepsTheKeeper_RemoveStopsIt_PurgeLeavesNothing()
    {
        string deb = package.Path;
        bool hostHadAx = File.Exists("/usr/bin/ax");
        using var system = ContainedSystemd.Boot(TimeSpan.FromSeconds(60));

        // This machine's root may carry Docker's policy-rc.d (exit 101: start no service); a real machine has none.
        Assert.Equal(0, system.Run("rm", "-f", "/usr/sbin/policy-rc.d").ExitCode);
        File.Copy(deb, system.HostPath("/tmp/" + Path.GetFileName(deb)));
        var install = system.Run("apt-get", "install", "-y", "--no-install-recommends", "/tmp/" + Path.GetFileName(deb));
        Assert.True(install.ExitCode == 0, install.ToString());
        Assert.Equal("enabled", system.Run("systemctl", "is-enabled", "ax").Stdout.Trim());
        Wait.Until(() => system.Run("ax", "get", "nodes").ExitCode == 0, TimeSpan.FromSeconds(15),
            () => $"{system.Run("systemctl", "status", "ax", "--no-pager")}\n{system.Run("journalctl", "-u", "ax", "--no-pager")}");
        Assert.Equal("active", system.Run("systemctl", "is-active", "ax").Stdout.Trim());

        // An app the keeper holds; `systemctl restart ax` (KillMode=process) replaces the daemon alone.
        // A client or server app is not tried here: in a PID namespace other than the machine's first the
        // socket guard refuses the daemon's own bind/connect on app sockets (it compares the caller's
        // global tgid with the daemon's pid as its namespace numbers it), so serving is proven by the
        // ExecStart test above, in a node namespace.
        using var app = system.Start("ax", "run", "--name", "held", "--", "sleep", "60");
        Wait.Until(() => system.Run("ax", "get", "apps").Stdout.Contains("held", StringComparison.Ordinal), TimeSpan.FromSeconds(15), () => app.Output);
        string daemonBefore = MainPid(system);
        string keeper = system.Run("cat", "/var/run/appswitch/keeper.pid").Stdout.Trim();
        Assert.NotEqual(string.Empty, keeper);
        var restart = system.Run("systemctl", "restart", "ax");
        Assert.True(restart.ExitCode == 0, restart.ToString());
        Wait.Until(() => system.Run("ax", "get", "apps").Stdout.Contains("held", StringComparison.Ordinal), TimeSpan.FromSeconds(15),
            () => $"{system.Run("ax", "get", "apps")}\n{system.Run("journalctl", "-u", "ax", "--no-pager")}");
        Assert.NotEqual(daemonBefore, MainPid(system));
        Assert.Equal(keeper, system.Run("cat", "/var/run/appswitch/keeper.pid").Stdout.Trim());
        Assert.True(system.Run("kill", "-0", keeper).ExitCode == 0, "the keeper did not survive the restart");

        // apt-get remove stops the daemon and removes the program and the unit; the settings stay.
        var remove = system.Run("apt-get", "remove", "-y", "ax");
        Assert.True(remove.ExitCode == 0, remove.ToString());
        Assert.NotEqual("active", system.Run("systemctl", "is-active", "ax").Stdout.Trim());
        Assert.False(File.Exists(system.HostPath("/usr/bin/ax")));
        Assert.False(File.Exists(system.HostPath("/lib/systemd/system/ax.service")));
        Assert.True(File.Exists(system.HostPath("/etc/default/ax")));

        var purge = system.Run("apt-get", "purge", "-y", "ax");
        Assert.True(purge.ExitCode == 0, purge.ToString());
        Assert.False(File.Exists(system.HostPath("/etc/default/ax")));
        Assert.False(Path.Exists(system.HostPath("/etc/systemd/system/multi-user.target.wants/ax.service")));
        Assert.False(Path.Exists(system.HostPath("/etc/systemd/system/ax.service")));
        Assert.NotEqual(0, system.Run("dpkg", "-s", "ax").ExitCode);
        Assert.Equal(hostHadAx, File.Exists("/usr/bin/ax"));
    }

    private static string MainPid(ContainedSystemd system) => system.Run("systemctl", "show", "-p", "MainPID", "--value", "ax").Stdout.Trim();

    internal static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>ExecStart= as systemd runs it: the settings file's variables (EnvironmentFile=) in the environment, the binary in the staged tree.</summary>
    private static string[] ExecStartAsSystemdWould(UnitFile unit, ScratchDirectory stage)
    {
        string settings = stage.At(unit["EnvironmentFile"].TrimStart('-').TrimStart('/'));
        var environment = File.ReadAllLines(settings)
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Trim());
        string[] command = unit["ExecStart"].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return ["env", .. environment, stage.At(command[0].TrimStart('/')), .. command[1..]];
    }

    private static string Field(string deb, string name) => Run("dpkg-deb", "-f", deb, name).Stdout.Trim();

    private static string Dpkg(ScratchDirectory root, params string[] args)
    {
        var result = Run("dpkg", [$"--root={root.Path}", "--force-script-chrootless", "--log=/dev/null", .. args]);
        Assert.True(result.ExitCode == 0, $"dpkg {string.Join(' ', args)}: {result}");
        return result.Stdout;
    }

    /// <summary>Runs a target of the repository's Makefile with the ax binary the tests run (AX_BIN), so nothing is rebuilt.</summary>
    internal static void Make(params string[] args)
    {
        var result = Run("make", ["--no-print-directory", "-C", RepoRoot, .. args, $"AX_BIN={AxBinary.Path}"]);
        Assert.True(result.ExitCode == 0, $"make {string.Join(' ', args)}: {result}");
    }

    private static CommandResult Run(string file, params string[] args) =>
        Shell.Run(new ProcessStartInfo(file, args), null, TimeSpan.FromSeconds(60));

    private static string FindRepoRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Makefile")) && File.Exists(Path.Combine(directory.FullName, "VERSION")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("the repository (its Makefile and VERSION) was not found above the test binaries");
    }
}
