using System.Diagnostics;
using Ax.Cluster;
using Ax.Cluster.Serf;
using Ax.Tests.Cluster;
using Xunit.Abstractions;

namespace Ax.Tests.EndToEnd;

/// <summary>
/// Real serf agents, supervised by <see cref="SerfAgent"/>, in the nodes of a <see cref="TestCluster"/>: the
/// membership each node sees is what the cluster's daemons will build on. The agents run inside their nodes
/// as <c>ip netns exec NODE serf agent ...</c> (the supervisor's command prefix; ip execs serf, so the pid
/// supervised is the agent's) and the test reaches each agent's loopback RPC through a socket made in
/// that node's namespace.
/// </summary>
public sealed class SerfMembershipTests(ITestOutputHelper output)
{
    private static SerfAgentOptions Options(ClusterNode node, string[] neighbors, string cluster = "appswitch", TimeSpan? restartBackoff = null, string? pidFile = null) => new()
    {
        CommandPrefix = ["ip", "netns", "exec", node.Namespace],
        NodeName = $"node{node.Index}",
        BindAddress = node.Address,
        ClusterName = cluster,
        SyncPort = 6665,
        Neighbors = neighbors,
        RpcSocketFactory = node.CreateSocket,
        RestartBackoff = restartBackoff ?? TimeSpan.FromSeconds(1),
        PidFile = pidFile,
    };

    [Fact]
    public async Task ThreeNodes_EachWithOneNeighbor_SeeEachOther_AKilledAgentIsGoneWithin10s_AndAnotherClusterIsNotListed()
    {
        using var cluster = TestCluster.Create(4);
        var loggers = new List<RecordingLogger>();
        var agents = new List<SerfAgent>();
        var memberships = new List<ClusterMembership>();
        try
        {
            // Node i's only neighbor is node i+1 (node 3's is node 1); node 3's agent restarts only after
            // 12 s, long enough to watch the others declare it failed first.
            for (int i = 0; i < 3; i++)
            {
                var logger = new RecordingLogger($"node{i + 1}");
                loggers.Add(logger);
                agents.Add(new SerfAgent(
                    Options(cluster[i], [cluster[(i + 1) % 3].Address.ToString()], restartBackoff: i == 2 ? TimeSpan.FromSeconds(12) : null),
                    logger));
            }

            var clock = Stopwatch.StartNew();
            await Task.WhenAll(agents.Select(a => a.StartAsync()));
            var started = clock.Elapsed;
            foreach (var (agent, logger) in agents.Zip(loggers))
            {
                var membership = new ClusterMembership(agent, logger);
                memberships.Add(membership);
                membership.Start();
            }

            await WaitAsync(() => memberships.All(m => m.Current.Count == 3), TimeSpan.FromSeconds(10), "three alive members on every node", loggers);
            var joined = clock.Elapsed;
            output.WriteLine($"agents answering RPC after {started.TotalMilliseconds:0} ms; all three nodes list three alive members after {joined.TotalMilliseconds:0} ms");
            foreach (var membership in memberships)
            {
                Assert.Equal(["node1", "node2", "node3"], membership.Current.Members.Select(m => m.Name));
                Assert.All(membership.Current.Members, m => Assert.Equal(6665, m.SyncPort));
                Assert.Equal(cluster[1].Address, membership.Current.Members[1].Address);
            }

            // A node of another cluster joins node 1's agent: Serf lists it, the membership does not.
            var foreignLogger = new RecordingLogger("node4");
            await using var foreign = new SerfAgent(Options(cluster[3], [cluster[0].Address.ToString()], cluster: "elsewhere"), foreignLogger);
            await foreign.StartAsync();
            await using (var rpc = await agents[0].ConnectAsync())
            {
                await WaitAsync(
                    async () => (await rpc.MembersAsync()).Any(m => m.Name == "node4" && m.Status == SerfMemberStatus.Alive),
                    TimeSpan.FromSeconds(10), "node4 alive in node1's serf members", loggers);
            }

            await WaitAsync(() => loggers[0].Text.Contains("refused node4", StringComparison.Ordinal), TimeSpan.FromSeconds(5), "node1 logging node4 as refused", loggers);
            Assert.All(memberships, m => Assert.False(m.Current.Contains("node4")));
            Assert.Single(loggers[0].Lines, l => l.Contains("refused node4", StringComparison.Ordinal) && l.Contains("elsewhere", StringComparison.Ordinal));

            // SIGKILL node 3's agent, by its pid: the others must list it gone within 10 s.
            var changes = new List<MembershipChange>();
            memberships[0].Changed += change =>
            {
                lock (changes)
                {
                    changes.Add(change);
                }
            };
            int pid = agents[2].Pid ?? throw new InvalidOperationException("node3's agent is not running");
            clock.Restart();
            Process.GetProcessById(pid).Kill();
            await WaitAsync(() => !memberships[0].Current.Contains("node3") && !memberships[1].Current.Contains("node3"), TimeSpan.FromSeconds(10), "node3 gone from node1 and node2", loggers);
            var failed = clock.Elapsed;
            output.WriteLine($"a killed agent is gone from the others' membership after {failed.TotalMilliseconds:0} ms");
            lock (changes)
            {
                var departed = Assert.Single(changes.SelectMany(c => c.Departed));
                Assert.Equal(("node3", "failed"), (departed.Member.Name, departed.Reason));
            }

            // The supervisor restarts it (after its 12 s backoff) and it rejoins through its neighbor.
            await WaitAsync(() => memberships.Take(2).All(m => m.Current.Contains("node3")), TimeSpan.FromSeconds(25), "node3 restarted and alive again", loggers);
            output.WriteLine($"restarted and alive again {clock.Elapsed.TotalMilliseconds:0} ms after the kill (12 s of it backoff)");
            Assert.Equal(1, agents[2].Restarts);
            Assert.Contains(loggers[2].Lines, l => l.Contains("gossip agent exited", StringComparison.Ordinal));
        }
        finally
        {
            foreach (var membership in memberships)
            {
                await membership.DisposeAsync();
            }

            foreach (var agent in agents)
            {
                await agent.DisposeAsync();
            }

            foreach (var logger in loggers)
            {
                output.WriteLine(logger.Text);
            }
        }
    }

    [Fact]
    public async Task LateJoiner_IsListedPromptly_AndTagsUserEventsAndQueriesRoundTripThroughRealAgents()
    {
        using var cluster = TestCluster.Create(2);
        var loggers = new[] { new RecordingLogger("node1"), new RecordingLogger("node2") };
        await using var first = new SerfAgent(Options(cluster[0], []), loggers[0]);
        await first.StartAsync();
        await using var membership = new ClusterMembership(first, loggers[0]);
        var updates = new List<MembershipChange>();
        membership.Changed += change =>
        {
            lock (updates)
            {
                updates.Add(change);
            }
        };
        membership.Start();
        await membership.Ready.WaitAsync(TimeSpan.FromSeconds(10));

        var clock = Stopwatch.StartNew();
        await using var second = new SerfAgent(Options(cluster[1], [cluster[0].Address.ToString()]), loggers[1]);
        await second.StartAsync();
        await WaitAsync(() => membership.Current.Contains("node2"), TimeSpan.FromSeconds(10), "node2 listed on node1", loggers);
        output.WriteLine($"a late joiner is listed on the other node {clock.ElapsedMilliseconds} ms after its agent was started");

        await using var rpc1 = await first.ConnectAsync();
        await using var rpc2 = await second.ConnectAsync();
        await using var stream = await rpc2.StreamAsync("user,query");

        // Tags: node2 changes its sync port; node1's membership reports the update.
        clock.Restart();
        await rpc2.SetTagsAsync(new Dictionary<string, string> { [SerfAgentOptions.SyncPortTag] = "7001" });
        await WaitAsync(() => membership.Current.TryGet("node2", out var m) && m.SyncPort == 7001, TimeSpan.FromSeconds(5), "node2's new tag on node1", loggers);
        output.WriteLine($"a tag change is in the other node's membership after {clock.ElapsedMilliseconds} ms");
        lock (updates)
        {
            Assert.Contains(updates, u => u.Updated.Any(m => m.Name == "node2" && m.SyncPort == 7001));
        }

        // A user event from node1 reaches node2's stream, payload intact.
        clock.Restart();
        await rpc1.UserEventAsync("ax-delta", "web:8080"u8.ToArray());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var user = Assert.IsType<SerfUserEvent>(await stream.Events.ReadAsync(timeout.Token));
        output.WriteLine($"a user event reached the other node's stream after {clock.ElapsedMilliseconds} ms");
        Assert.Equal(("ax-delta", "web:8080"), (user.Name, System.Text.Encoding.UTF8.GetString(user.Payload.Span)));

        // A query from node1 to node2, answered through node2's stream with respond.
        var responses = await rpc1.QueryAsync("ax-table", "since=0"u8.ToArray(), TimeSpan.FromSeconds(3), filterNodes: ["node2"]);
        var query = Assert.IsType<SerfQueryEvent>(await stream.Events.ReadAsync(timeout.Token));
        Assert.Equal(("ax-table", "since=0"), (query.Name, System.Text.Encoding.UTF8.GetString(query.Payload.Span)));
        await rpc2.RespondAsync(query.Id, "rows"u8.ToArray());
        var answer = await responses.ReadAsync(timeout.Token);
        Assert.Equal(("node2", "rows"), (answer.From, System.Text.Encoding.UTF8.GetString(answer.Payload.Span)));

        // And the other way round: join through RPC is accepted for an address that is already a member.
        Assert.Equal(1, await rpc1.JoinAsync([cluster[1].Address.ToString()]));
    }

    [Fact]
    public async Task GossipPortTaken_StartFailsWithOneSentenceNamingThePortAndTheFlag()
    {
        using var cluster = TestCluster.Create(1);
        var node = cluster[0];
        using var squatter = cluster.Start(node, "python3", "-c",
            $"import socket,time\ns=socket.socket()\ns.bind(('{node.Address}',7946))\ns.listen()\nprint('bound',flush=True)\ntime.sleep(120)");
        Wait.Until(() => squatter.Output.Contains("bound", StringComparison.Ordinal), TimeSpan.FromSeconds(10), () => squatter.Output);

        var logger = new RecordingLogger();
        await using var agent = new SerfAgent(Options(node, []), logger);
        var error = await Assert.ThrowsAsync<SerfAgentException>(() => agent.StartAsync());

        Assert.Equal($"the gossip port {node.Address}:7946 is in use; pass --gossip-port with a free port", error.Message);
        Assert.Null(agent.Pid);
    }

    [Fact]
    public async Task AgentLeftRunningByACrashedDaemon_IsKilledOnTheNextStart_InsteadOfBlockingItsPorts()
    {
        using var cluster = TestCluster.Create(1);
        var node = cluster[0];
        string pidFile = Path.Combine(Path.GetTempPath(), $"axs-{cluster.Id}-serf.pid");
        try
        {
            using var leftover = cluster.Start(node, "serf", "agent", "-node=node1", $"-bind={node.Address}:7946", "-rpc-addr=127.0.0.1:7373");
            Wait.Until(() => leftover.Output.Contains("Serf agent running", StringComparison.Ordinal), TimeSpan.FromSeconds(10), () => leftover.Output);
            File.WriteAllText(pidFile, leftover.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));

            var logger = new RecordingLogger("node1");
            await using var agent = new SerfAgent(Options(node, [], pidFile: pidFile), logger);
            await agent.StartAsync();

            Assert.True(leftover.WaitForExit(TimeSpan.FromSeconds(5)), "the leftover agent still runs");
            Assert.Contains(logger.Lines, l => l.Contains($"left running (pid {leftover.Pid})", StringComparison.Ordinal));
            Assert.Equal(agent.Pid.ToString(), File.ReadAllText(pidFile));
            await agent.StopAsync();
            Assert.False(File.Exists(pidFile));
        }
        finally
        {
            File.Delete(pidFile);
        }
    }

    [Fact]
    public async Task StoppedAgent_LeavesGracefully_AndTheOtherSeesItLeft()
    {
        using var cluster = TestCluster.Create(2);
        var loggers = new[] { new RecordingLogger("node1"), new RecordingLogger("node2") };
        await using var first = new SerfAgent(Options(cluster[0], []), loggers[0]);
        await using var second = new SerfAgent(Options(cluster[1], [cluster[0].Address.ToString()]), loggers[1]);
        await Task.WhenAll(first.StartAsync(), second.StartAsync());
        await using var membership = new ClusterMembership(first, loggers[0]);
        MembershipChange? last = null;
        membership.Changed += change => last = change;
        membership.Start();
        await WaitAsync(() => membership.Current.Count == 2, TimeSpan.FromSeconds(10), "two members", loggers);

        int pid = second.Pid!.Value;
        var clock = Stopwatch.StartNew();
        await second.StopAsync();
        output.WriteLine($"leave and exit took {clock.ElapsedMilliseconds} ms");
        Assert.False(File.Exists($"/proc/{pid}/status") && !File.ReadAllText($"/proc/{pid}/status").Contains("State:\tZ", StringComparison.Ordinal), "the agent still runs");

        await WaitAsync(() => membership.Current.Count == 1, TimeSpan.FromSeconds(5), "node2 gone", loggers);
        output.WriteLine($"node2 gone from node1's membership {clock.ElapsedMilliseconds} ms after the stop began");
        // Gone gracefully: "leaving" or "left", depending on which the next read of the list caught, never "failed".
        var departed = Assert.Single(last!.Departed);
        Assert.Equal("node2", departed.Member.Name);
        Assert.Contains(departed.Reason, (string[])["leaving", "left"]);
    }

    private static Task WaitAsync(Func<bool> condition, TimeSpan timeout, string what, IEnumerable<RecordingLogger> loggers) =>
        WaitAsync(() => Task.FromResult(condition()), timeout, what, loggers);

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, IEnumerable<RecordingLogger> loggers)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > timeout)
            {
                Assert.Fail($"not within {timeout.TotalSeconds} s: {what}\n{string.Join("\n", loggers.Select(l => l.Text))}");
            }

            await Task.Delay(50);
        }
    }
}
