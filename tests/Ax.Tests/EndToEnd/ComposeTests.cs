using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ax.Contracts;
using Xunit.Abstractions;

namespace Ax.Tests.EndToEnd;

/// <summary>
/// The seed's compose files (001, "Installation and Configuration", "Single Node Cluster"), run with Debian's
/// docker-compose against podman's Docker API inside test nodes (see <see cref="ComposeSandbox"/>). Only paths
/// and image names differ from the seed's text: the host's /usr/bin is a scratch directory, the run directory
/// the node's own, and the images are built here (no registry is reachable).
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed partial class ComposeTests(ITestOutputHelper output)
{
    private const string PythonImage = "localhost/python:host";
    private const string AxImage = "localhost/ax:latest";

    /// <summary>
    /// The seed's http server compose file: an unprivileged container with no network whose entrypoint is
    /// <c>/usr/bin/ax run --name test</c>, curled by name from the node. The image holds the host's python
    /// (glibc) where python:alpine keeps its own; the mounted "/usr/bin" holds ax and ax-core as
    /// <c>make install</c> lays them out on the host: ax, the static front, runs in a musl image like the seed's too.
    /// </summary>
    [Fact]
    public void SeedHttpServerComposeFile_ServesPythonByName_FromAContainerWithNoNetwork_AndDownRemovesIt()
    {
        using var node = TestNode.Create();
        using var sandbox = new ComposeSandbox();
        var clock = Stopwatch.StartNew();
        sandbox.ImportPythonImage(PythonImage);
        string host = sandbox.NewDirectory("host");
        PackagingTests.Make("install", $"DESTDIR={host}", "PREFIX=/usr");
        string usrBin = Path.Combine(host, "usr", "bin");
        Assert.Equal(["ax", "ax-core"], Directory.GetFiles(usrBin).Select(Path.GetFileName).Order());
        string file = sandbox.WriteFile("docker-compose-httpserver.yaml", SeedFile("docker-compose-httpserver.yaml")
            .Replace("image: python:alpine", $"image: {PythonImage}", StringComparison.Ordinal)
            .Replace("- /usr/bin:/usr/bin", $"- {usrBin}:/usr/bin", StringComparison.Ordinal)
            .Replace("- /var/run/appswitch:/var/run/appswitch", $"- {node.RunDir}:/var/run/appswitch", StringComparison.Ordinal));
        string api = sandbox.StartApi(node.Name);
        output.WriteLine($"image and API ready after {clock.ElapsedMilliseconds} ms");

        var up = sandbox.Compose(api, "httpserver", file, "up", "-d");
        Assert.True(up.ExitCode == 0, up.ToString());
        CommandResult? curl = null;
        Wait.Until(
            () => (curl = node.Ax("run", "--", "curl", "-sS", "--max-time", "5", "test:8000")).ExitCode == 0,
            TimeSpan.FromSeconds(20),
            () => $"test:8000 did not answer: {curl}\n{sandbox.Podman("logs", "httpserver_http_1")}\n{node.Ax("get", "apps")}");
        output.WriteLine($"curled by name {clock.ElapsedMilliseconds} ms after the start");

        Assert.Contains("Directory listing for /", curl!.Stdout, StringComparison.Ordinal);
        Assert.Equal("none", sandbox.Podman("inspect", "--format", "{{.HostConfig.NetworkMode}}", "httpserver_http_1").Stdout.Trim());
        Assert.Contains("the app runs in this network namespace, which has only lo", sandbox.Podman("logs", "httpserver_http_1").Stderr, StringComparison.Ordinal);
        Assert.Contains("test ", node.Ax("get", "apps").Stdout, StringComparison.Ordinal);

        // python is the container's pid 1 and sets no SIGTERM handler, so the kernel drops the stop signal
        // (as for any image without an init): --timeout 1 kills it after one second instead of ten.
        var down = sandbox.Compose(api, "httpserver", file, "down", "--timeout", "1");
        Assert.True(down.ExitCode == 0, down.ToString());
        Assert.Equal(string.Empty, sandbox.Podman("ps", "--all", "--quiet").Stdout.Trim());
        Wait.Until(() => !node.Ax("get", "apps").Stdout.Contains("test ", StringComparison.Ordinal), TimeSpan.FromSeconds(10), () => node.Ax("get", "apps").ToString());
        output.WriteLine($"down after {clock.ElapsedMilliseconds} ms");
    }

    /// <summary>
    /// The daemon from packaging/compose/docker-compose.yaml (the seed's shape: pid and network of the host,
    /// privileged, the seed's volumes and AX_* variables) in two nodes on one switch, each naming the other
    /// in AX_NEIGHBORS: the image installs ax into the mounted "/usr/bin", the two daemons form one cluster,
    /// an app started on host01 with the installed ax is curled by name from host02, and `down` stops both.
    /// Each node's run directory is a directory of the test's, mounted at the seed's /var/run/appswitch in
    /// the daemon's container, so the host's ax (AX_RUN_DIR) and the daemon see it at different paths: a
    /// launch finds the daemon's resolv.conf in the run directory it reached the daemon through.
    /// </summary>
    [Fact]
    public void SeedDaemonComposeFile_InTwoNodes_InstallsAx_FormsACluster_ServesByNameAcrossNodes_AndDownStopsTheDaemons()
    {
        using var cluster = TestCluster.Create(2);
        using var sandbox = new ComposeSandbox();
        var clock = Stopwatch.StartNew();
        sandbox.BuildAxImage(AxImage);
        var hosts = cluster.Nodes.Select(node => Host.Make(sandbox, cluster, node)).ToArray();
        output.WriteLine($"image and APIs ready after {clock.ElapsedMilliseconds} ms");

        foreach (var host in hosts)
        {
            var up = sandbox.Compose(host.Api, host.Name, host.File, "up", "-d");
            Assert.True(up.ExitCode == 0, up.ToString());
        }

        try
        {
            Wait.Until(() => hosts.All(h => h.NodeNames().SequenceEqual(["host01", "host02"])), TimeSpan.FromSeconds(30), () => Describe(sandbox, hosts));
            output.WriteLine($"two-node cluster after {clock.ElapsedMilliseconds} ms");

            foreach (var host in hosts)
            {
                Assert.Equal(SHA256.HashData(File.ReadAllBytes(AxBinary.Path)), SHA256.HashData(File.ReadAllBytes(host.InstalledAx)));
                Assert.Equal(SHA256.HashData(File.ReadAllBytes(PodmanSandbox.Core)), SHA256.HashData(File.ReadAllBytes(Path.Combine(host.UsrBin, "ax-core"))));
                Assert.Contains("ax image: installed ax and ax-core into the host's /usr/bin", host.Logs(sandbox), StringComparison.Ordinal);
            }

            Assert.Contains("ax: note: AX_FEDERATION_GATEWAY_IP is ignored", hosts[0].Logs(sandbox), StringComparison.Ordinal);

            cluster.Start(hosts[0].Node, [.. hosts[0].Ax("run", "--ip", "1.1.1.1", "--name", "webserver", "python3", Scripts.Path("serve_text.py"), "8000", "hello-from-host01")]);
            CommandResult? curl = null;
            Wait.Until(
                () => (curl = TestCluster.Run(hosts[1].Node, hosts[1].Ax("run", "--", "curl", "-sS", "--max-time", "5", "webserver:8000"))).ExitCode == 0,
                TimeSpan.FromSeconds(20),
                () => $"webserver:8000 did not answer on host02: {curl}\n{Describe(sandbox, hosts)}");
            Assert.Equal("hello-from-host01", curl!.Stdout.Trim());
            output.WriteLine($"curled across nodes {clock.ElapsedMilliseconds} ms after the start");

            foreach (var host in hosts)
            {
                int?[] pids = [host.Pid("keeper.pid"), host.Pid("serf.pid")];
                var down = sandbox.Compose(host.Api, host.Name, host.File, "down");
                Assert.True(down.ExitCode == 0, down.ToString());
                Assert.NotEqual(0, TestCluster.Run(host.Node, host.Ax("get", "nodes")).ExitCode);
                Assert.All(pids, pid => Assert.False(pid is int p && File.Exists($"/proc/{p}/cmdline"), $"{host.Name}: pid {pid} outlived down"));
            }

            Assert.Equal(string.Empty, sandbox.Podman("ps", "--all", "--quiet").Stdout.Trim());
            output.WriteLine($"both down after {clock.ElapsedMilliseconds} ms");
        }
        finally
        {
            output.WriteLine(Describe(sandbox, hosts));
        }
    }

    /// <summary>Without the host's /usr/bin mounted the image installs nothing, says so, and still becomes <c>ax daemon</c> with the given flags.</summary>
    [Fact]
    public void AxImage_WithoutTheHostsUsrBinMounted_SaysAxWasNotInstalled_AndPassesItsArgumentsToAxDaemon()
    {
        using var sandbox = new ComposeSandbox();
        sandbox.BuildAxImage(AxImage);

        var result = sandbox.Podman("run", "--rm", "--network", "none", AxImage, "--help");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("ax image: /usr/bin is not mounted from the host (-v /usr/bin:/usr/bin), so ax was not installed there", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("--neighbors", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("--node-interface", result.Stdout, StringComparison.Ordinal);
    }

    private static string SeedFile(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "EndToEnd", "compose", name));

    private static string Describe(ComposeSandbox sandbox, IEnumerable<Host> hosts) =>
        string.Join("\n", hosts.Select(h => $"--- {h.Name} ---\n{h.Logs(sandbox)}"));

    [GeneratedRegex(@"(- AX_[A-Z_]+=)[^#\n]*")]
    private static partial Regex Variable();

    /// <summary>One node's side: its scratch "/usr/bin", run directory, podman API and compose file.</summary>
    private sealed record Host(ClusterNode Node, string Name, string UsrBin, string RunDir, string Api, string File)
    {
        internal string InstalledAx => Path.Combine(UsrBin, "ax");

        /// <summary>packaging/compose/docker-compose.yaml with this node's paths and AX_* values filled in.</summary>
        internal static Host Make(ComposeSandbox sandbox, TestCluster cluster, ClusterNode node)
        {
            string name = $"host0{node.Index}";
            string usrBin = sandbox.NewDirectory($"{name}-usr-bin");
            string runDir = sandbox.NewDirectory($"{name}-run");
            var values = new Dictionary<string, string>
            {
                ["AX_NODE_INTERFACE"] = "eth0",
                ["AX_NEIGHBORS"] = string.Join(',', cluster.Nodes.Where(n => n != node).Select(n => n.Address)),
                ["AX_OPTS"] = $"--clean --node-name {name}",
                ["AX_FEDERATION_GATEWAY_IP"] = node.Index == 1 ? "eth0" : string.Empty,
            };
            string text = System.IO.File.ReadAllText(Path.Combine(PackagingTests.RepoRoot, "packaging", "compose", "docker-compose.yaml"))
                .Replace("- /usr/bin:/usr/bin", $"- {usrBin}:/usr/bin", StringComparison.Ordinal)
                .Replace("- /var/run/appswitch:/var/run/appswitch", $"- {runDir}:/var/run/appswitch", StringComparison.Ordinal);
            text = Variable().Replace(text, m =>
            {
                string variable = m.Groups[1].Value[2..^1];
                return values.TryGetValue(variable, out string? value) ? $"{m.Groups[1].Value}{value} " : m.Value;
            });
            string file = sandbox.WriteFile($"{name}.yaml", text);
            return new Host(node, name, usrBin, runDir, sandbox.StartApi(node.Namespace), file);
        }

        /// <summary>The installed ax with ARGS against this node's daemon, as words for <c>ip netns exec</c>.</summary>
        internal string[] Ax(params string[] args) => ["env", $"AX_RUN_DIR={RunDir}", InstalledAx, .. args];

        internal string[] NodeNames()
        {
            var result = TestCluster.Run(Node, Ax("get", "nodes", "-o", "json"));
            return result.ExitCode != 0
                ? []
                : [.. JsonSerializer.Deserialize(result.Stdout, AxJsonContext.Default.ClusterNodeInfoArray)!.Select(n => n.NodeId).Order(StringComparer.Ordinal)];
        }

        internal string Logs(ComposeSandbox sandbox)
        {
            var logs = sandbox.Podman("logs", $"{Name}_appswitch_1");
            return logs.Stdout + logs.Stderr;
        }

        /// <summary>A pid from the run directory, while it names a live process.</summary>
        internal int? Pid(string fileName)
        {
            string path = Path.Combine(RunDir, fileName);
            return System.IO.File.Exists(path) && int.TryParse(System.IO.File.ReadAllText(path).Trim(), System.Globalization.CultureInfo.InvariantCulture, out int pid) && System.IO.File.Exists($"/proc/{pid}/cmdline") ? pid : null;
        }
    }
}
