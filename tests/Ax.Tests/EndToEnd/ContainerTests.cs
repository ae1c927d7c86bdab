namespace Ax.Tests.EndToEnd;

/// <summary>
/// Apps in containers, as the seed runs them (issue 19): Debian's podman with the seed's own line,
/// <c>podman run --net none -v /var/run/appswitch:/var/run/appswitch -v /usr/bin/ax:/usr/bin/ax
/// --entrypoint /usr/bin/ax IMAGE run --ip 1.1.1.1 ...</c>, in an unprivileged container (no
/// --privileged, no added capabilities), with the test node's run directory mounted at
/// /var/run/appswitch and podman started in the node's namespace. IMAGE is a root filesystem directory
/// (--rootfs): a libc-free one where /usr/bin/ax, the static front, is all of ax that runs, and one with the
/// host's glibc where ax-core is mounted beside it (as a mount of the host's whole /usr/bin brings it).
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class ContainerTests
{
    private const string RunDir = "/var/run/appswitch";

    public static TheoryData<bool> Launchers => new() { true, false };

    [Theory]
    [MemberData(nameof(Launchers))]
    public void SeedLine_ContainerOnVirtualIp_IsCurledByAnAxClientOnTheHost_AndSaysWhereItRuns(bool frontOnly)
    {
        using var node = TestNode.Create();
        using var podman = new PodmanSandbox();
        string rootfs = podman.MakeRootfs("image", "hello-from-container", glibc: !frontOnly);

        var server = podman.Start(node, [.. SeedOptions(node, frontOnly), "--rootfs", rootfs, "run", "--ip", "1.1.1.1", "httpd", "-f", "-p", "80", "-h", "/www"]);
        node.WaitForServers("1.1.1.1:80");
        var result = node.Ax("run", "--", "curl", "-sS", "--max-time", "5", "1.1.1.1");

        Assert.True(result.ExitCode == 0, $"{result}\n--- container ---\n{server.Output}");
        Assert.Equal("hello-from-container", result.Stdout.Trim());
        Assert.Contains("ax: note: the app runs in this network namespace, which has only lo (as in a container started with --net none)", server.Output);
    }

    /// <summary>
    /// The seed's compose files mount the host's whole /usr/bin: there ax, the static front, and ax-core lie
    /// side by side as <c>make install</c> puts them. In an image with no C library the front launches the
    /// app itself; ax-core cannot start there, so any other command says to use the host's ax.
    /// </summary>
    [Fact]
    public void HostUsrBinMounted_InALibcFreeContainer_ServesOnAVirtualIp_AndOtherCommandsSayToUseTheHostsAx()
    {
        using var node = TestNode.Create();
        using var podman = new PodmanSandbox();
        string rootfs = podman.MakeRootfs("image", "hello-from-busybox");
        string host = Directory.CreateDirectory(Path.Combine(podman.Root, "host")).FullName;
        PackagingTests.Make("install", $"DESTDIR={host}", "PREFIX=/usr");
        string[] hostUsrBin = ["--net", "none", "-v", $"{node.RunDir}:{RunDir}", "-v", $"{Path.Combine(host, "usr", "bin")}:/usr/bin", "--entrypoint", "/usr/bin/ax"];

        var server = podman.Start(node, [.. hostUsrBin, "--rootfs", rootfs, "run", "--ip", "1.1.1.1", "httpd", "-f", "-p", "80", "-h", "/www"]);
        node.WaitForServers("1.1.1.1:80");
        var curl = node.Ax("run", "--", "curl", "-sS", "--max-time", "5", "1.1.1.1");
        var getApps = podman.Run(node, [.. hostUsrBin, "--rootfs", rootfs, "get", "apps"]);

        Assert.True(curl.ExitCode == 0, $"{curl}\n--- container ---\n{server.Output}");
        Assert.Equal("hello-from-busybox", curl.Stdout.Trim());
        Assert.NotEqual(0, getApps.ExitCode);
        Assert.Equal(string.Empty, getApps.Stdout);
        string said = Assert.Single(getApps.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("ax-core, the rest of ax, cannot run here", said, StringComparison.Ordinal);
        Assert.EndsWith("use the ax on the host for every other command", said, StringComparison.Ordinal);
    }

    /// <summary>
    /// A launch the front hands over (--user is the full launcher's) runs in ax-core where it can start: in
    /// an image with glibc, ax-core mounted beside the front.
    /// </summary>
    [Fact]
    public void FallbackLaunch_InAGlibcContainerWithAxCoreMounted_RunsThroughAxCore()
    {
        using var node = TestNode.Create();
        using var podman = new PodmanSandbox();
        string rootfs = podman.MakeRootfs("image", "unused", glibc: true);
        File.WriteAllText(Path.Combine(rootfs, "etc", "passwd"), "root:x:0:0::/:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n");

        var result = podman.Run(node, [.. SeedOptions(node, frontOnly: false), "--rootfs", rootfs, "run", "--user", "nobody", "--", "id", "-u"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("65534", result.Stdout.Trim());
    }

    [Fact]
    public void ContainerAndHostApp_OnTheSameIp_AreBothAnswering()
    {
        using var node = TestNode.Create();
        using var podman = new PodmanSandbox();
        string rootfs = podman.MakeRootfs("image", "from-container");
        podman.Start(node, [.. SeedOptions(node, frontOnly: true), "--rootfs", rootfs, "run", "--ip", "1.1.1.1", "httpd", "-f", "-p", "80", "-h", "/www"]);
        node.StartApp("--ip", "1.1.1.1", "--", "python3", Scripts.Path("serve_text.py"), "80", "from-host");
        node.WaitForServers("1.1.1.1:80", count: 2);

        var seen = new HashSet<string>();
        for (int i = 0; i < 40 && seen.Count < 2; i++)
        {
            var result = node.Ax("run", "--", "curl", "-sS", "--max-time", "5", "1.1.1.1");
            Assert.True(result.ExitCode == 0, result.ToString());
            seen.Add(result.Stdout.Trim());
        }

        Assert.Equal(["from-container", "from-host"], seen.Order());
    }

    [Fact]
    public void ContainerUserOtherThanRoot_ReachesAHostServer_ThroughTheMountedRunDirectory()
    {
        using var node = TestNode.Create();
        using var podman = new PodmanSandbox();
        string rootfs = podman.MakeRootfs("image", "unused");
        node.StartApp("--ip", "3.3.3.3", "--", "python3", Scripts.Path("serve_text.py"), "80", "from-host");
        node.WaitForServers("3.3.3.3:80");

        var result = podman.Run(node, [.. SeedOptions(node, frontOnly: true), "--user", "65534:65534", "--rootfs", rootfs, "run", "--", "wget", "-qO-", "http://3.3.3.3/"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("from-host", result.Stdout.Trim());
    }

    /// <summary>
    /// An unprivileged container may not mount ax's resolv.conf over its own (that needs CAP_SYS_ADMIN), so
    /// the app asks the nameservers its image names; ax sends those queries to its own DNS server, and
    /// the answers show as coming from the nameserver asked, which the C library checks.
    /// </summary>
    [Theory]
    [MemberData(nameof(Launchers))]
    public void AppInAContainer_ResolvesAxNames_ThroughTheNameserverItsImageNames(bool frontOnly)
    {
        using var node = TestNode.Create();
        using var podman = new PodmanSandbox();
        string rootfs = podman.MakeRootfs("image", "unused", glibc: !frontOnly);
        File.WriteAllText(Path.Combine(rootfs, "etc", "resolv.conf"), "nameserver 192.0.2.53\n"); // --net none keeps the image's own file
        node.StartApp("--ip", "3.3.3.3", "--name", "web", "--", "python3", Scripts.Path("serve_text.py"), "80", "from-host");
        node.WaitForServers("3.3.3.3:80");

        var byName = podman.Run(node, [.. SeedOptions(node, frontOnly), "--rootfs", rootfs, "run", "--", "wget", "-qO-", "http://web/"]);
        var kept = podman.Run(node, [.. SeedOptions(node, frontOnly), "--rootfs", rootfs, "run", "--dns-override=false", "--", "wget", "-qO-", "http://web/"]);

        Assert.True(byName.ExitCode == 0, byName.ToString());
        Assert.Equal("from-host", byName.Stdout.Trim());
        Assert.NotEqual(0, kept.ExitCode); // the app asked the image's nameserver, which this node cannot reach
    }

    /// <summary>
    /// The other two resolvers an image brings: musl's (alpine's; it sends to every nameserver with sendto
    /// on one unconnected socket) and Go's own (a static Go binary reads resolv.conf itself), in an image
    /// with no C library of its own.
    /// </summary>
    [Fact]
    public void MuslAndGoResolvers_InALibcFreeContainer_ResolveAxNames()
    {
        using var node = TestNode.Create();
        using var podman = new PodmanSandbox();
        string rootfs = podman.MakeRootfs("image", "unused");
        File.WriteAllText(Path.Combine(rootfs, "etc", "resolv.conf"), "nameserver 192.0.2.53\nnameserver 198.51.100.53\n");
        File.Copy(Programs.MuslResolve, Path.Combine(rootfs, "bin", "musl_resolve"));
        File.Copy(Programs.GoHttp, Path.Combine(rootfs, "bin", "go_http"));
        node.StartApp("--ip", "3.3.3.3", "--name", "web", "--", "python3", Scripts.Path("serve_text.py"), "80", "from-host");
        node.WaitForServers("3.3.3.3:80");

        var musl = podman.Run(node, [.. SeedOptions(node, frontOnly: true), "--rootfs", rootfs, "run", "--", "/bin/musl_resolve", "web"]);
        var go = podman.Run(node, [.. SeedOptions(node, frontOnly: true), "--rootfs", rootfs, "run", "--", "/bin/go_http", "get", "http://web/"]);

        Assert.True(musl.ExitCode == 0, musl.ToString());
        Assert.Equal("3.3.3.3", musl.Stdout.Trim());
        Assert.True(go.ExitCode == 0, go.ToString());
        Assert.Equal("from-host", go.Stdout.Trim());
    }

    [Fact]
    public void NoNewPrivs_IsSetOnlyWhereTheFilterNeedsIt_InTheContainerButNotOnTheHost()
    {
        using var node = TestNode.Create();
        using var podman = new PodmanSandbox();
        string rootfs = podman.MakeRootfs("image", "unused", glibc: true);

        var inContainer = podman.Run(node, [.. SeedOptions(node, frontOnly: false), "--rootfs", rootfs, "run", "--", "grep", "NoNewPrivs", "/proc/self/status"]);
        var onHost = node.Ax("run", "--", "grep", "NoNewPrivs", "/proc/self/status");

        Assert.True(inContainer.ExitCode == 0, inContainer.ToString());
        Assert.Equal("NoNewPrivs:\t1", inContainer.Stdout.Trim());
        Assert.Equal("NoNewPrivs:\t0", onHost.Stdout.Trim());
    }

    [Theory]
    [MemberData(nameof(Launchers))]
    public void RunDirectoryNotMounted_SaysToMountIt(bool frontOnly)
    {
        using var node = TestNode.Create();
        using var podman = new PodmanSandbox();
        string rootfs = podman.MakeRootfs("image", "unused", glibc: !frontOnly);

        var result = podman.Run(node, ["--net", "none", .. Mounts(frontOnly), "--entrypoint", "/usr/bin/ax", "--rootfs", rootfs, "run", "--", "true"]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"mount the host's run directory into", result.Stderr);
        Assert.Contains($"-v {RunDir}:{RunDir}", result.Stderr);
    }

    /// <summary>
    /// connect(2) to a socket needs write permission on it, but a read-only mount refuses writes only to
    /// files, directories and links (fs/namei.c, sb_permission), so :ro is no error: ax works through it.
    /// </summary>
    [Theory]
    [MemberData(nameof(Launchers))]
    public void RunDirectoryMountedReadOnly_IsEnough_TheAppReachesAHostServer(bool frontOnly)
    {
        using var node = TestNode.Create();
        using var podman = new PodmanSandbox();
        string rootfs = podman.MakeRootfs("image", "unused", glibc: !frontOnly);
        node.StartApp("--ip", "3.3.3.3", "--", "python3", Scripts.Path("serve_text.py"), "80", "from-host");
        node.WaitForServers("3.3.3.3:80");

        var result = podman.Run(node, ["--net", "none", "-v", $"{node.RunDir}:{RunDir}:ro", .. Mounts(frontOnly), "--entrypoint", "/usr/bin/ax", "--rootfs", rootfs, "run", "--", "wget", "-qO-", "http://3.3.3.3/"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("from-host", result.Stdout.Trim());
    }

    [Theory]
    [MemberData(nameof(Launchers))]
    public void SeccompForbiddenByTheRuntimesProfile_SaysWhatToAllow(bool frontOnly)
    {
        using var node = TestNode.Create();
        using var podman = new PodmanSandbox();
        string rootfs = podman.MakeRootfs("image", "unused", glibc: !frontOnly);
        string profile = Path.Combine(podman.Root, "no-seccomp.json");
        File.WriteAllText(profile, """
            {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["seccomp"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
            """);

        var result = podman.Run(node, [.. SeedOptions(node, frontOnly), "--security-opt", $"seccomp={profile}", "--rootfs", rootfs, "run", "--", "sh", "-c", "echo started"]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.DoesNotContain("started", result.Stdout);
        Assert.Contains("the container's seccomp profile forbids the seccomp system call", result.Stderr);
        Assert.Contains("allow seccomp in the profile", result.Stderr);
    }

    /// <summary>The seed's options before IMAGE, with the node's run directory and the ax under test.</summary>
    private static string[] SeedOptions(TestNode node, bool frontOnly) =>
        ["--net", "none", "-v", $"{node.RunDir}:{RunDir}", .. Mounts(frontOnly), "--entrypoint", "/usr/bin/ax"];

    /// <summary>The seed's one mount of the host's ax, and with ax-core, the rest of ax, beside it.</summary>
    private static string[] Mounts(bool frontOnly) => frontOnly
        ? ["-v", $"{AxBinary.Path}:/usr/bin/ax"]
        : ["-v", $"{AxBinary.Path}:/usr/bin/ax", "-v", $"{PodmanSandbox.Core}:/usr/bin/ax-core"];
}
