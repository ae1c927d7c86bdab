namespace Ax.Tests.EndToEnd;

/// <summary>
/// The seed's line with Debian's docker.io (issue 19), as ContainerTests runs it with podman:
/// <c>docker run --net none -v /var/run/appswitch:/var/run/appswitch -v /usr/bin/ax:/usr/bin/ax
/// --entrypoint /usr/bin/ax IMAGE run --ip 1.1.1.1 ...</c>, in an unprivileged container under docker's
/// default seccomp profile, against a dockerd of the test's own in the node's namespace
/// (<see cref="DockerSandbox"/>). IMAGE is imported from the same root filesystems as the podman tests:
/// libc-free with only the static front mounted as /usr/bin/ax, with the host's glibc and ax-core beside it.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class DockerTests
{
    private const string RunDir = "/var/run/appswitch";

    public static TheoryData<bool> Launchers => new() { true, false };

    [Theory]
    [MemberData(nameof(Launchers))]
    public void SeedLine_DockerContainerOnVirtualIp_IsCurledByAnAxClientOnTheHost(bool frontOnly)
    {
        using var node = TestNode.Create();
        using var podman = new PodmanSandbox();
        string rootfs = podman.MakeRootfs("image", "hello-from-docker", glibc: !frontOnly);
        using var docker = new DockerSandbox(node);
        docker.Import(rootfs, "axtest:1");

        var server = docker.Start(
            ["--net", "none", "-v", $"{node.RunDir}:{RunDir}", .. Mounts(frontOnly), "--entrypoint", "/usr/bin/ax", "axtest:1", "run", "--ip", "1.1.1.1", "httpd", "-f", "-p", "80", "-h", "/www"]);
        node.WaitForServers("1.1.1.1:80");
        var result = node.Ax("run", "--", "curl", "-sS", "--max-time", "5", "1.1.1.1");

        Assert.True(result.ExitCode == 0, $"{result}\n--- container ---\n{server.Output}");
        Assert.Equal("hello-from-docker", result.Stdout.Trim());
        Assert.Contains("ax: note: the app runs in this network namespace, which has only lo (as in a container started with --net none)", server.Output);
    }

    /// <summary>The seed's one mount of the host's ax, and with ax-core, the rest of ax, beside it.</summary>
    private static string[] Mounts(bool frontOnly) => frontOnly
        ? ["-v", $"{AxBinary.Path}:/usr/bin/ax"]
        : ["-v", $"{AxBinary.Path}:/usr/bin/ax", "-v", $"{PodmanSandbox.Core}:/usr/bin/ax-core"];
}
