using System.Diagnostics;
using System.Text.Json;

namespace Ax.Tests.EndToEnd;

/// <summary>
/// An app's AF_INET socket is a node socket from socket() on, so any way of connecting, binding or listening
/// on it that the seccomp filter does not see would skip ax's decision. A <c>role=test</c> app tries the
/// other system-call paths (io_uring, the i386 entry by <c>int $0x80</c>, i386 socketcall) against a
/// <c>role=prod</c> server's host endpoint and to listen on the node; tests/hostile/syscall_paths.c makes
/// the calls, each of which succeeds when the app runs outside ax.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class SyscallPathEscapeTests
{
    private const string Secret = "prod secret";

    [Theory]
    [InlineData("uring-connect", "setup", "ENOSYS")]      // io_uring_setup refused: no ring, no IORING_OP_CONNECT
    [InlineData("int80-connect", "connect", "EPERM")]     // i386 connect (362)
    [InlineData("socketcall-connect", "connect", "EPERM")] // i386 socketcall(SYS_CONNECT)
    public void ConnectToAProdServersHostEndpoint_FromATestApp_ByAnotherSyscallPath_IsRefused(string path, string step, string errno)
    {
        using var node = TestNode.Create();
        string program = Compile(node);
        string[] host = StartProdServer(node);

        JsonElement report = Attempt(node, "role=test", program, path, host[0], host[1]);

        Assert.False(report.TryGetProperty("reply", out JsonElement reply), $"{path} reached the prod server: {reply}");
        Assert.Equal(errno, report.GetProperty(step).GetString());
    }

    [Fact]
    public void ConnectToAProdServersHostEndpoint_ThePlainWay_ReachesItFromAProdApp_AndNotFromATestApp()
    {
        using var node = TestNode.Create();
        string program = Compile(node);
        string[] host = StartProdServer(node);

        JsonElement prod = Attempt(node, "role=prod", program, "connect", host[0], host[1]);
        JsonElement test = Attempt(node, "role=test", program, "connect", host[0], host[1]);

        // The program's connect and read work, so the refusals above are the filter's doing; and the host
        // endpoint they aimed at is one the label policy closes to a role=test app.
        Assert.Equal(Secret, prod.GetProperty("reply").GetString()!.Trim());
        Assert.Equal("ECONNREFUSED", test.GetProperty("connect").GetString());
    }

    [Theory]
    [InlineData("uring-listen", "setup", "ENOSYS")] // IORING_OP_BIND + IORING_OP_LISTEN (Linux >= 6.11)
    [InlineData("int80-listen", "bind", "EPERM")]   // i386 bind (361) + listen (363)
    public void ListenOnTheNode_ByAnotherSyscallPath_IsRefused_NoClientOnTheNodeReachesIt(string path, string step, string errno)
    {
        const string Port = "7411";
        using var node = TestNode.Create();
        string program = Compile(node);

        using var attacker = node.StartApp("--labels", "role=test", "--", program, path, Port, "15");
        Wait.Until(() => attacker.Output.Contains('}', StringComparison.Ordinal), TimeSpan.FromSeconds(20), () => attacker.Output);
        var client = node.Run(["python3", "-c", $"import socket; socket.create_connection(('{node.NodeIp}', {Port}), 5); print('reached')"]);

        // Outside ax this listener sits on the node's real address, where `ax get servers` never shows it.
        Assert.DoesNotContain("reached", client.Stdout);
        Assert.DoesNotContain("accepted", attacker.Output);
        Assert.Equal(errno, Report(attacker.Output).GetProperty(step).GetString());
        Assert.DoesNotContain(node.Servers(), s => s.Ipv4Addr.EndsWith(":" + Port, StringComparison.Ordinal));
    }

    [Fact]
    public void IoUringSetup_ThroughTheI386Entry_IsRefused()
    {
        using var node = TestNode.Create();
        string program = Compile(node);

        JsonElement report = Attempt(node, "role=test", program, "int80-uring");

        Assert.Equal("ENOSYS", report.GetProperty("setup").GetString());
    }

    private static string[] StartProdServer(TestNode node)
    {
        node.StartApp("--ip", "1.1.1.1", "--labels", "role=prod", "python3", Scripts.Path("serve_text.py"), "80", Secret);
        return node.WaitForServers("1.1.1.1:80")[0].Ipv4Addr.Split(':');
    }

    private static JsonElement Attempt(TestNode node, string labels, string program, params string[] args)
    {
        CommandResult result = node.Ax(["run", "--labels", labels, "--", program, .. args]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return Report(result.Stdout);
    }

    private static JsonElement Report(string output) =>
        JsonDocument.Parse(output.Split('\n').First(line => line.StartsWith('{'))).RootElement.Clone();

    private static string Compile(TestNode node)
    {
        string output = Path.Combine(node.WorkDir, "syscall_paths");
        string source = Path.Combine(AppContext.BaseDirectory, "hostile", "syscall_paths.c");
        var result = Shell.Run(new ProcessStartInfo("gcc", ["-O2", "-Wall", "-Werror", "-o", output, source]), null, TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, result.ToString());
        return output;
    }
}
