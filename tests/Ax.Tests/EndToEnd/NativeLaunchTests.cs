namespace Ax.Tests.EndToEnd;

/// <summary>
/// The native launcher (Launcher/Native/main.c) starts a plain <c>ax run</c> app without the .NET runtime;
/// everything else goes to the full launcher. Either way the app must not be able to tell.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class NativeLaunchTests
{
    [Fact]
    public void PlainRun_IsLaunchedNatively_InItsOwnNamespace_WithAxResolver_AndTheAppsStdioAndExitStatus()
    {
        using var node = TestNode.Create();

        var result = node.Ax("run", "--", "sh", "-c", "ip -br link; grep nameserver /etc/resolv.conf; echo to-stderr >&2; exit 7");

        Assert.Equal(7, result.ExitCode);
        string[] lines = result.Stdout.Trim().Split('\n');
        Assert.StartsWith("lo ", Assert.Single(lines, l => !l.StartsWith("nameserver", StringComparison.Ordinal)));
        Assert.Contains("UP", lines[0]);
        Assert.Equal("nameserver 127.0.0.11", lines[1]);
        Assert.Equal("to-stderr", result.Stderr.Trim());
        Assert.Contains("by the native launcher: sh -c", node.Daemon!.Output);
    }

    [Fact]
    public void Arguments_EmptyOrWithSpacesOrNonAscii_ReachTheAppUnchanged()
    {
        using var node = TestNode.Create();

        var result = node.Ax("run", "--ip", "1.1.1.1", "--", "sh", "-c", "printf '[%s]' \"$@\"", "sh", "", "a b", "é", "--run");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("[][a b][é][--run]", result.Stdout.TrimEnd('\n'));
        // The daemon answers the launcher first and logs the start after: a quick app may be done before the line is written.
        Wait.Until(() => node.Daemon!.Output.Contains("by the native launcher", StringComparison.Ordinal), TimeSpan.FromSeconds(5), () => node.Daemon!.Output);
    }

    [Fact]
    public void RunWithUser_GoesToTheFullLauncher()
    {
        using var node = TestNode.Create();

        var result = node.Ax("run", "--user", "nobody", "--", "id", "-u");

        Assert.Equal("65534", result.Stdout.Trim());
        Wait.Until(() => node.Daemon!.Output.Contains("by the full launcher: id -u", StringComparison.Ordinal), TimeSpan.FromSeconds(5), () => node.Daemon!.Output);
        Assert.DoesNotContain("by the native launcher", node.Daemon!.Output);
    }

    [Fact]
    public void AppRefusedByTheDaemon_AfterTheFilterIsIn_IsOneSentence_AndNeverStarts()
    {
        using var node = TestNode.Create(true, "--dns=false");

        var result = node.Ax("run", "--name", "web", "--", "sh", "-c", "echo started");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("ax: --name needs the daemon's built-in DNS server", result.Stderr.Trim());
        Assert.Single(result.Stderr.Trim().Split('\n'));
        Assert.DoesNotContain("started", result.Stdout);
        Assert.Equal("[]", node.Ax("get", "apps", "-o", "json").Stdout.Trim());
    }

    [Fact]
    public void CommandThatCannotBeExecuted_SaysWhy_WithTheShellsExitStatus()
    {
        using var node = TestNode.Create();
        string notAProgram = Path.Combine(node.WorkDir, "not-a-program");
        File.WriteAllText(notAProgram, "\u007fELF but not really\n");
        File.SetUnixFileMode(notAProgram, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var result = node.Ax("run", "--", notAProgram);

        Assert.Equal(126, result.ExitCode);
        Assert.Equal($"ax: {notAProgram}: could not be started (ENOEXEC)", result.Stderr.Trim());
    }

    [Fact]
    public void CommandNotFound_IsExplainedByTheFullLauncher_AndNoAppIsAdded()
    {
        using var node = TestNode.Create();

        var result = node.Ax("run", "--", "no-such-command-ax");

        Assert.Equal(127, result.ExitCode);
        Assert.Equal("ax: no-such-command-ax: command not found", result.Stderr.Trim());
        Assert.DoesNotContain("started", node.Daemon!.Output);
    }

    [Fact]
    public void NativeProtocol_SpokenWrongly_IsRefusedOrDropped_AndTheDaemonKeepsLaunching()
    {
        using var node = TestNode.Create();
        int daemonPid = node.Daemon!.Pid;
        Assert.Equal("ok", node.Ax("run", "--", "echo", "ok").Stdout.Trim());
        int fdsBefore = node.DaemonFdsAtRest();

        var abuse = node.Run(["python3", Scripts.Path("native_launch_abuse.py"), Path.Combine(node.RunDir, "ax.sock")]);

        Assert.True(abuse.ExitCode == 0, abuse.ToString());
        Assert.Contains("no-listener G E", abuse.Stdout);
        Assert.Contains("garbage-after-plan closed", abuse.Stdout);
        Assert.Contains("pipe-as-listener E", abuse.Stdout);
        Assert.Matches("many [GF]", abuse.Stdout); // no mistake: a plan, or "fall back" once the hang-ups above emptied the namespace pool
        Assert.Contains("utf8 F", abuse.Stdout);
        Assert.Contains("magic-only F", abuse.Stdout);
        Assert.Contains("all done", abuse.Stdout);
        Assert.Equal("still launching", node.Ax("run", "--", "echo", "still launching").Stdout.Trim());
        Assert.Equal("[]", node.Ax("get", "apps", "-o", "json").Stdout.Trim());
        Wait.Until(
            () => node.DaemonFdsAtRest() == fdsBefore,
            TimeSpan.FromSeconds(10),
            () => $"daemon fds {Directory.GetFiles($"/proc/{daemonPid}/fd").Length}, were {fdsBefore}");
    }
}
