namespace Ax.Tests.EndToEnd;

/// <summary>An app under ax behaves as if ax were not there: exit status, stdio, signals, the command lookup.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class ProcessTransparencyTests
{
    [Fact]
    public void ExitStatus_PassesThrough()
    {
        using var node = TestNode.Create();

        var result = node.Ax("run", "--", "sh", "-c", "echo out; echo err >&2; exit 7");

        Assert.Equal(7, result.ExitCode);
        Assert.Equal("out", result.Stdout.Trim());
        Assert.Equal("err", result.Stderr.Trim());
    }

    [Fact]
    public void SpeculationMitigations_AreTheSameAsWithoutAx()
    {
        // A kernel in spec_store_bypass_disable=seccomp (or spectre_v2_user=seccomp) mode would turn these
        // on for any process with a filter, unless the filter is installed with SPEC_ALLOW.
        using var node = TestNode.Create();
        const string Script = "grep -E '^(Speculation_Store_Bypass|SpeculationIndirectBranch):' /proc/self/status";

        var plain = node.Run(["sh", "-c", Script]);
        var underAx = node.Ax("run", "--", "sh", "-c", Script);

        Assert.True(underAx.ExitCode == 0, underAx.ToString());
        Assert.Contains("Speculation_Store_Bypass", plain.Stdout);
        Assert.Equal(plain.Stdout, underAx.Stdout);
    }

    [Theory]
    [InlineData(false, false)] // the native launcher
    [InlineData(false, true)]  // the full launcher (--user), which starts the .NET runtime, which ignores SIGPIPE
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void IgnoredSignals_AreTheCallers(bool callerIgnoresSigPipe, bool fullLauncher)
    {
        using var node = TestNode.Create();
        string user = fullLauncher ? "--user root" : string.Empty;
        // env sets the caller's disposition either way: the test host's own may be either.
        string disposition = callerIgnoresSigPipe ? "--ignore-signal=PIPE" : "--default-signal=PIPE";

        // What `yes | head -1` needs: yes dies of SIGPIPE unless its caller chose to ignore it.
        var result = node.Run(["env", disposition, "sh", "-c", $"{AxBinary.Path} run {user} -- yes | head -n 1; {AxBinary.Path} run {user} -- grep SigIgn /proc/self/status"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("y", result.Stdout.Split('\n')[0]);
        ulong ignored = ulong.Parse(result.Stdout.Split('\n')[1].Split('\t')[1], System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(callerIgnoresSigPipe, (ignored & (1UL << (13 - 1))) != 0);
        Assert.Equal(callerIgnoresSigPipe, result.Stderr.Contains("Broken pipe", StringComparison.Ordinal));
    }

    [Fact]
    public void Stdin_PassesThrough()
    {
        using var node = TestNode.Create();

        var result = node.Run(["run", "--", "cat"], ax: true, stdin: "line one\nline two\n");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("line one\nline two\n", result.Stdout);
    }

    [Fact]
    public void Signal_ReachesTheAppItself()
    {
        using var node = TestNode.Create();
        // The app is ax's own process after execve: the pid the caller holds is the app's.
        var app = node.StartApp("--", "sh", "-c", "trap 'echo got TERM; exit 42' TERM; echo ready; while true; do sleep 0.1; done");
        Wait.Until(() => app.Output.Contains("ready"), TimeSpan.FromSeconds(10), () => app.Output);

        app.Signal(15);

        Assert.True(app.WaitForExit(TimeSpan.FromSeconds(10)));
        Assert.Equal(42, app.ExitCode);
        Assert.Contains("got TERM", app.Output);
    }

    [Fact]
    public void CommandNotFound_Exits127WithAShellLikeMessage()
    {
        using var node = TestNode.Create();

        var result = node.Ax("run", "--", "no-such-program-anywhere", "arg");

        Assert.Equal(127, result.ExitCode);
        Assert.Equal("ax: no-such-program-anywhere: command not found", result.Stderr.Trim());
    }

    [Fact]
    public void NewNetnsFalse_RunsInTheCallersNamespaceWithTheSameTakeover()
    {
        using var node = TestNode.Create();
        node.StartApp("--ip", "1.1.1.1", "--new-netns=false", "python3", Scripts.Path("serve_text.py"), "8000", "shared namespace");
        node.WaitForServers("1.1.1.1:8000");

        var viaAx = node.Ax("run", "--new-netns=false", "--", "curl", "-s", "1.1.1.1:8000/");
        var interfaces = node.Ax("run", "--new-netns=false", "--", "ip", "-br", "addr");

        Assert.True(viaAx.ExitCode == 0, viaAx.ToString());
        Assert.Equal("shared namespace", viaAx.Stdout.Trim());
        Assert.Contains(node.NodeIp, interfaces.Stdout);
    }

    [Fact]
    public void NewNetns_AppSeesOnlyLoopback()
    {
        using var node = TestNode.Create();

        var interfaces = node.Ax("run", "--", "ip", "-br", "link");

        Assert.Equal(0, interfaces.ExitCode);
        Assert.Equal("lo", interfaces.Stdout.Trim().Split(' ')[0]);
        Assert.Single(interfaces.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
