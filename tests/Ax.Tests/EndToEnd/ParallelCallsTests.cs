using System.Text.Json;
using Ax.Contracts;

namespace Ax.Tests.EndToEnd;

/// <summary>
/// An app whose threads connect all at once: the daemon answers its calls side by side (a helper thread
/// joins the app's own when calls queue up), every connection still reaches the right server, and the
/// helper parks when the app goes quiet and ends with the app.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class ParallelCallsTests
{
    private const int Threads = 8;
    private const int ConnectionsPerThread = 100;

    [Fact]
    public void ManyThreadsConnectingAtOnce_AllReachTheServer_AndTheDaemonsHelperThreadEndsWithTheApp()
    {
        using var node = TestNode.Create();
        node.StartApp("--ip", "1.1.1.1", "python3", Scripts.Path("line_server.py"), "7000");
        node.WaitForServers("1.1.1.1:7000");
        int daemonPid = node.Daemon!.Pid;

        // One connection first, so that the server's own session holds what it keeps (a pidfd for its
        // accepting thread) before the daemon's descriptors are counted.
        Assert.Equal("7000:first", Exchange(node, "first"));
        int fdsAtRest = node.DaemonFdsAtRest();

        // Two bursts from 8 threads, with one connection at a time between them, after the quiet spell
        // in which the helper parks (parallel_connects.py).
        using var client = node.StartApp("--name", "crowd", "--", "python3", Scripts.Path("parallel_connects.py"), "1.1.1.1", "7000", $"{Threads}", $"{ConnectionsPerThread}");
        Wait.Until(() => Phases(client).Length == 3, TimeSpan.FromSeconds(60), () => client.Output + node.DescribeProcesses());
        string clientId = AppId(node, "crowd");

        int[] expected = [Threads * ConnectionsPerThread, 20, Threads * ConnectionsPerThread];
        foreach ((JsonElement phase, int count) in Phases(client).Zip(expected))
        {
            Assert.True(phase.GetProperty("ok").GetInt32() == count, client.Output);
            Assert.Equal(0, phase.GetProperty("wrong").GetInt32());
            Assert.Empty(phase.GetProperty("errors").EnumerateObject());
        }

        // The daemon names the threads that serve an app after it (top -H shows them).
        string[] serving = [$"ax-app-{clientId}", $"ax-hlp-{clientId}"];
        Assert.All(serving, name => Assert.Contains(name, ThreadNames(daemonPid)));

        client.WriteLine("exit");
        Assert.True(client.WaitForExit(TimeSpan.FromSeconds(10)), client.Output);
        Wait.Until(() => !ThreadNames(daemonPid).Intersect(serving).Any(), TimeSpan.FromSeconds(10),
            () => $"still serving the app that exited: {string.Join(' ', ThreadNames(daemonPid))}");
        Wait.Until(() => node.DaemonFdsAtRest() == fdsAtRest, TimeSpan.FromSeconds(10),
            () => $"daemon fds {TestNode.FdTargets(daemonPid).Count()}, was {fdsAtRest}: {string.Join(' ', TestNode.FdTargets(daemonPid))}");
        Assert.Equal("7000:last", Exchange(node, "last"));
    }

    /// <summary>One line to the server and its answer, from a client of its own.</summary>
    private static string Exchange(TestNode node, string line) =>
        node.Ax("run", "--", "python3", "-c",
            $"import socket; s = socket.create_connection(('1.1.1.1', 7000)); s.sendall(b'{line}\\n'); print(s.makefile().readline().strip())").Stdout.Trim();

    private static JsonElement[] Phases(BackgroundProcess client) =>
        [.. client.Output.Split('\n')
            .Where(line => line.StartsWith("{\"phase\"", StringComparison.Ordinal))
            .Select(line => JsonDocument.Parse(line).RootElement)];

    private static string AppId(TestNode node, string name)
    {
        var result = node.Ax("get", "apps", "-o", "json");
        Assert.True(result.ExitCode == 0, result.ToString());
        AppInfo[] apps = JsonSerializer.Deserialize(result.Stdout, AxJsonContext.Default.AppInfoArray)!;
        return apps.Single(a => a.Name == name).AppId;
    }

    private static string[] ThreadNames(int pid) =>
        [.. Directory.GetDirectories($"/proc/{pid}/task").Select(task =>
        {
            try
            {
                return File.ReadAllText(Path.Combine(task, "comm")).Trim();
            }
            catch (IOException)
            {
                return string.Empty; // the thread ended while being listed
            }
        })];
}
