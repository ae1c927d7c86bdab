using System.Diagnostics;

namespace Ax.Tests.EndToEnd;

/// <summary>User mistakes get one sentence saying what is wrong and what to do, and a non-zero exit.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class ErrorTests
{
    [Theory]
    [InlineData("get", "servers")]
    [InlineData("run", "--", "true")]
    public void DaemonNotRunning_SaysSoAndHowToStartIt(params string[] args)
    {
        using var node = TestNode.Create(startDaemon: false);

        var result = node.Ax(args);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("daemon is not running", result.Stderr);
        Assert.Contains("ax daemon", result.Stderr);
        Assert.Single(result.Stderr.Trim().Split('\n'));
    }

    [Theory]
    [InlineData("--ip", "1.1.1", "invalid --ip '1.1.1'")]
    [InlineData("--ip", "300.1.1.1", "invalid --ip '300.1.1.1'")]
    [InlineData("--ip", "0.0.0.0", "unicast")]
    [InlineData("--labels", "role", "invalid label 'role'")]
    [InlineData("--labels", "a=1,a=2", "given twice")]
    public void InvalidRunInput_IsRefusedBeforeTheAppStarts(string flag, string value, string expected)
    {
        using var node = TestNode.Create();

        var result = node.Ax("run", flag, value, "--", "sh", "-c", "echo started");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Stderr);
        Assert.DoesNotContain("started", result.Stdout);
    }

    [Fact]
    public void UnknownFlag_GetsOneLineWithTheFix()
    {
        using var node = TestNode.Create(startDaemon: false);

        var result = node.Ax("get", "servers", "--colour");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--colour", result.Stderr);
        Assert.Contains("ax get servers --help", result.Stderr);
    }

    [Fact]
    public void KernelDriver_SaysItIsNotAvailableYet()
    {
        using var node = TestNode.Create(startDaemon: false);

        var result = node.Ax("daemon", "--driver", "kernel");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("kernel driver is not available yet", result.Stderr);
    }

    [Fact]
    public void SecondDaemonOnOneRunDirectory_IsRefused()
    {
        using var node = TestNode.Create();

        var result = node.Run(["daemon", "--rest-port", "6665"], ax: true, timeout: TimeSpan.FromSeconds(20));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("already using", result.Stderr);
        Assert.Contains($"pid {node.Daemon!.Pid}", result.Stderr);
    }

    [Fact]
    public void RestPortTaken_IsRefusedWithTheFix()
    {
        using var node = TestNode.Create(startDaemon: false);
        using var squatter = node.Start(["python3", "-c", "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',6664)); s.listen(); print('up',flush=True); time.sleep(60)"], ax: false);
        Wait.Until(() => squatter.Output.Contains("up"), TimeSpan.FromSeconds(10), () => squatter.Output);

        var result = node.Run(["daemon"], ax: true, timeout: TimeSpan.FromSeconds(20));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("REST port 6664 is already in use", result.Stderr);
        Assert.Contains("--rest-port", result.Stderr);
    }

    [Fact]
    public void NotRoot_DaemonAndNewNetnsRunSaySo()
    {
        using var node = TestNode.Create();
        var asNobody = new Dictionary<string, string>();

        var daemon = node.Run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", AxBinary.Path, "daemon", "--run-dir", "/tmp"], timeout: TimeSpan.FromSeconds(20));
        var run = node.Run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", AxBinary.Path, "run", "--", "true"], environment: asNobody);

        Assert.Equal(1, daemon.ExitCode);
        Assert.Contains("must run as root", daemon.Stderr);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("needs root", run.Stderr);
        Assert.Contains("--new-netns=false", run.Stderr);
    }

    [Fact]
    public void PortPoolExhausted_TheAppGetsEaddrinuse_AndTheDaemonSaysWhy()
    {
        using var node = TestNode.Create(true, "--ports", "45000-45001");
        node.StartApp("--ip", "1.1.1.1", "python3", Scripts.Path("serve_text.py"), "8000", "a");
        node.StartApp("--ip", "1.1.1.1", "python3", Scripts.Path("serve_text.py"), "8000", "b");
        node.WaitForServers("1.1.1.1:8000", count: 2);

        var third = node.Ax("run", "--ip", "1.1.1.1", "python3", "-c", "import socket; socket.socket().bind(('0.0.0.0', 8000))");

        Assert.NotEqual(0, third.ExitCode);
        Assert.Contains("Address already in use", third.Stderr);
        Assert.Contains("pool 45000-45001 is exhausted", node.Daemon!.Output);
        string stillServed = node.Ax("run", "--", "curl", "-s", "1.1.1.1:8000/").Stdout.Trim();
        Assert.Contains(stillServed, new[] { "a", "b" });
    }
}
