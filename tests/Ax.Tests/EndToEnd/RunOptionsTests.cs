namespace Ax.Tests.EndToEnd;

/// <summary><c>ax run --user</c>, <c>--interface</c> and <c>--new-netns=false</c> (seed 003, "Run").</summary>
[Collection(EndToEndCollection.Name)]
public sealed class RunOptionsTests
{
    private static readonly string[] AsNobody = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"];

    [Theory]
    [InlineData("nobody")]
    [InlineData("65534")]
    public void User_RunsTheAppAsThatUser_WithItsGroupsAndHome(string user)
    {
        using var node = TestNode.Create();
        string expectedGroups = node.Run(["id", "-G", "nobody"]).Stdout.Trim();

        var result = node.Ax("run", "--user", user, "--", "sh", "-c", "id -u; id -G; echo $HOME $USER $LOGNAME");

        Assert.True(result.ExitCode == 0, result.ToString());
        string[] lines = result.Stdout.Trim().Split('\n');
        Assert.Equal("65534", lines[0]);
        Assert.Equal(expectedGroups, lines[1]);
        Assert.Equal("/nonexistent nobody nobody", lines[2]);
    }

    [Fact]
    public void User_Root_KeepsRoot()
    {
        using var node = TestNode.Create();

        var result = node.Ax("run", "--user", "root", "--", "id", "-u");

        Assert.Equal("0", result.Stdout.Trim());
    }

    [Theory]
    [InlineData("no-such-user-ax")]
    [InlineData("4000000")]
    public void User_Unknown_IsRefusedBeforeTheAppStarts(string user)
    {
        using var node = TestNode.Create();

        var result = node.Ax("run", "--user", user, "--", "sh", "-c", "echo started");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"ax: no such user '{user}'", result.Stderr.Trim());
        Assert.DoesNotContain("started", result.Stdout);
    }

    [Fact]
    public void Interface_TheAppSeesItUpWithTheNodeIp_AndTheNodeGetsNoNewLink()
    {
        using var node = TestNode.Create();
        string linksBefore = node.Run(["ip", "-br", "link"]).Stdout;

        var result = node.Ax("run", "--interface", "eth0", "--", "ip", "addr", "show");

        Assert.True(result.ExitCode == 0, result.ToString());
        string eth0 = Assert.Single(result.Stdout.Split('\n'), l => l.Contains(": eth0:", StringComparison.Ordinal) || l.Contains(": eth0@", StringComparison.Ordinal));
        Assert.Contains(",UP", eth0);
        Assert.Contains("LOWER_UP", eth0);
        Assert.Contains($"inet {node.NodeIp}/32 scope global eth0", result.Stdout);
        Assert.Equal(linksBefore, node.Run(["ip", "-br", "link"]).Stdout);
    }

    [Fact]
    public void Interface_IsDummy_OrAVethPairWhenTheKernelHasNoDummyDriver()
    {
        using var node = TestNode.Create();
        bool kernelHasDummy = node.Run(["ip", "link", "add", "axprobe0", "type", "dummy"]).ExitCode == 0;
        node.Run(["ip", "link", "del", "axprobe0"]);

        var result = node.Ax("run", "--interface", "app0", "--", "ip", "-d", "link", "show");

        Assert.True(result.ExitCode == 0, result.ToString());
        if (kernelHasDummy)
        {
            Assert.Contains("dummy", result.Stdout);
        }
        else
        {
            // The fallback: app0 and its peer app0-p, both in the app's namespace and both up.
            Assert.Contains("app0@app0-p", result.Stdout);
            Assert.Contains("app0-p@app0", result.Stdout);
            Assert.Contains("veth", result.Stdout);
            Assert.DoesNotContain("state DOWN", result.Stdout.Split('\n').Where(l => l.Contains("app0", StringComparison.Ordinal)).Aggregate("", (a, b) => a + b));
        }
    }

    [Theory]
    [InlineData("lo")]
    [InlineData("a/b")]
    [InlineData("sixteen-chars-xx")]
    public void Interface_BadName_IsRefused(string name)
    {
        using var node = TestNode.Create();

        var result = node.Ax("run", "--interface", name, "--", "sh", "-c", "echo started");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"ax: invalid --interface '{name}'", result.Stderr);
        Assert.DoesNotContain("started", result.Stdout);
    }

    [Fact]
    public void Interface_WithoutANewNetns_IsRefused()
    {
        using var node = TestNode.Create();

        var result = node.Ax("run", "--new-netns=false", "--interface", "eth0", "--", "sh", "-c", "echo started");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--interface eth0 needs the app's own network namespace", result.Stderr);
        Assert.DoesNotContain("started", result.Stdout);
    }

    [Fact]
    public void NewNetns_EveryAppGetsANamespaceOfItsOwn_WithOnlyLoopbackUp()
    {
        // The daemon makes namespaces ahead of time for launches to enter; each must go to one app only.
        // The apps run side by side, so that no namespace number can be reused between them.
        using var node = TestNode.Create();
        string nodeNamespace = node.Run(["readlink", "/proc/self/ns/net"]).Stdout.Trim();
        var apps = new List<BackgroundProcess>();
        try
        {
            for (int i = 0; i < 8; i++)
            {
                var app = node.StartApp("--", "sh", "-c", "readlink /proc/self/ns/net; ip -br link; echo end; sleep 30");
                apps.Add(app);
                Wait.Until(() => app.Output.Contains("end", StringComparison.Ordinal), TimeSpan.FromSeconds(10), () => app.Output);
            }

            var seen = new HashSet<string> { nodeNamespace };
            foreach (var app in apps)
            {
                string[] lines = app.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                Assert.True(seen.Add(lines[0]), $"namespace {lines[0]} is shared with another app or the node");
                Assert.Equal(3, lines.Length);
                Assert.StartsWith("lo ", lines[1]);
                Assert.Contains("UNKNOWN", lines[1]); // lo is up (operstate UNKNOWN), not DOWN
            }
        }
        finally
        {
            apps.ForEach(app => app.Dispose());
        }
    }

    [Fact]
    public void NewNetnsFalse_TheAppKeepsTheCallersNamespace()
    {
        using var node = TestNode.Create();

        var inOwn = node.Ax("run", "--", "ip", "-br", "link");
        var inCallers = node.Ax("run", "--new-netns=false", "--", "ip", "-br", "link");

        Assert.True(inCallers.ExitCode == 0, inCallers.ToString());
        Assert.Contains("v0@v1", inCallers.Stdout);
        Assert.Contains("v1@v0", inCallers.Stdout);
        Assert.DoesNotContain("v0", inOwn.Stdout);
    }

    [Fact]
    public void NewNetnsFalse_RunByANonRootUser_ServesOnItsVirtualIpThroughAx()
    {
        using var node = TestNode.Create();
        const string server = "import os,socket; s=socket.socket(); s.bind(('0.0.0.0',8080)); s.listen(); " +
            "print('uid', os.getuid(), flush=True); c,_=s.accept(); c.recv(1024); c.sendall(b'HTTP/1.0 200 OK\\r\\n\\r\\nfrom nobody'); c.close()";
        using var app = node.Start([.. AsNobody, AxBinary.Path, "run", "--new-netns=false", "--ip", "1.1.1.1", "--", "/usr/bin/python3", "-c", server], ax: false);
        node.WaitForServers("1.1.1.1:8080");

        var result = node.Ax("run", "--", "curl", "-s", "1.1.1.1:8080/");

        Assert.True(result.ExitCode == 0, result + node.DescribeProcesses());
        Assert.Equal("from nobody", result.Stdout.Trim());
        Assert.Contains("uid 65534", app.Output);
    }

    [Fact]
    public void User_WithoutRoot_SaysItNeedsRoot()
    {
        using var node = TestNode.Create();

        var result = node.Run([.. AsNobody, AxBinary.Path, "run", "--new-netns=false", "--user", "root", "--", "sh", "-c", "echo started"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--user needs ax run to be started as root", result.Stderr);
        Assert.DoesNotContain("started", result.Stdout);
    }
}
