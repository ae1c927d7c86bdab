using System.Collections.Immutable;
using System.Diagnostics;
using Ax.Cluster.Sync;
using Xunit.Abstractions;

namespace Ax.Tests.Cluster.Sync;

/// <summary>Several in-process daemons syncing their tables over real TCP on loopback.</summary>
public sealed class SyncConvergenceTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ServiceAddedOnOneNode_ShowsOnEveryOtherNode_WithinMilliseconds()
    {
        await using var a = new SyncTestNode("a");
        await using var b = new SyncTestNode("b");
        await using var c = new SyncTestNode("c");
        SyncTestNode.Join(a, b, c);
        await RecordingSink.WaitAsync(() => b.Sink.Tables.ContainsKey("a") && c.Sink.Tables.ContainsKey("a"), "b and c follow a");

        var times = new List<double>();
        for (int i = 0; i < 20; i++)
        {
            var clock = Stopwatch.StartNew();
            a.Local.AddService(SyncRows.Service("a", i));
            await RecordingSink.WaitAsync(() => b.Sink.Has("a", $"a-s{i}") && c.Sink.Has("a", $"a-s{i}"), $"a-s{i} on b and c");
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        a.Local.RemoveService("a-s3");
        await RecordingSink.WaitAsync(() => !b.Sink.Has("a", "a-s3") && !c.Sink.Has("a", "a-s3"), "a-s3 gone from b and c");
        Assert.True(b.Sink.Matches(a.Local.Current) && c.Sink.Matches(a.Local.Current));
        Assert.False(a.Sink.Tables.ContainsKey("a"), "a node does not follow itself");
        times.Sort();
        output.WriteLine($"listen on a until on b and c: p50 {times[times.Count / 2]:0.0} ms, max {times[^1]:0.0} ms (coalescing window {a.Options.CoalesceDelay.TotalMilliseconds} ms)");
        Assert.True(times[times.Count / 2] < 300, $"p50 {times[times.Count / 2]} ms");
    }

    [Fact]
    public async Task LateSubscriber_GetsTheWholeTable()
    {
        await using var a = new SyncTestNode("a");
        for (int i = 0; i < 50; i++)
        {
            a.Local.AddService(SyncRows.Service("a", i));
        }

        a.Local.AddApp(SyncRows.App("a", 1));
        await Task.Delay(100);

        await using var late = new SyncTestNode("late");
        SyncTestNode.Join(a, late);

        await RecordingSink.WaitAsync(() => late.Sink.Matches(a.Local.Current), "the late node holds a's whole table");
        Assert.Equal(50, late.Sink.Tables["a"].Services.Length);
        Assert.Equal(a.Local.Current.Version, late.Sink.Tables["a"].Version);
        Assert.True(a.Sink.Tables.ContainsKey("late"), "and a follows the late node too");
    }

    [Fact]
    public async Task DroppedConnection_Resubscribes_AndCatchesUpWithWhatChangedMeanwhile()
    {
        // Every subscriber connection of b passes through a stream the test can cut, as a reset would.
        var cut = new List<Stream>();
        var options = SyncTestNode.Fast((stream, side, peer, _) =>
        {
            lock (cut)
            {
                cut.Add(stream);
            }

            return ValueTask.FromResult(stream);
        });
        await using var a = new SyncTestNode("a");
        await using var b = new SyncTestNode("b", options);
        SyncTestNode.Join(a, b);
        a.Local.AddService(SyncRows.Service("a", 1));
        await RecordingSink.WaitAsync(() => b.Sink.Has("a", "a-s1"), "a-s1 on b");

        lock (cut)
        {
            foreach (var stream in cut)
            {
                stream.Dispose();
            }
        }

        a.Local.AddService(SyncRows.Service("a", 2));
        a.Local.RemoveService("a-s1");

        var took = await RecordingSink.WaitAsync(() => b.Sink.Has("a", "a-s2") && !b.Sink.Has("a", "a-s1"), "b catches up after the cut");
        Assert.True(b.Sink.Matches(a.Local.Current));
        Assert.Empty(b.Sink.Removed);
        output.WriteLine($"converged {took.TotalMilliseconds:0} ms after the cut");
    }

    [Fact]
    public async Task RestartedPeer_WithANewIncarnation_ReplacesItsRowsWhole()
    {
        var a = new SyncTestNode("a");
        await using var b = new SyncTestNode("b");
        SyncTestNode.Join(a, b);
        a.Local.AddService(SyncRows.Service("a", 1));
        a.Local.AddService(SyncRows.Service("a", 2));
        await RecordingSink.WaitAsync(() => b.Sink.Has("a", "a-s2"), "a-s2 on b");
        int port = a.Sync.LocalEndpoint.Port;
        await a.DisposeAsync();

        // The daemon restarts on the same port and re-announces what survived: one service, version 1 again.
        await using var again = new SyncTestNode("a", port: port);
        again.Local.AddService(SyncRows.Service("a", 2));

        await RecordingSink.WaitAsync(() => b.Sink.Matches(again.Local.Current), "b holds the restarted a's table");
        Assert.Equal(again.Local.Current.Incarnation, b.Sink.Tables["a"].Incarnation);
        Assert.False(b.Sink.Has("a", "a-s1"));
    }

    [Fact]
    public async Task MemberWithoutASyncPort_IsFollowedOnceItAnnouncesOne_AndAtItsNewPortAfterARestart()
    {
        var a = new SyncTestNode("a");
        await using var b = new SyncTestNode("b");
        a.Local.AddService(SyncRows.Service("a", 1));
        b.Membership.Set(new SyncPeer("a", null), b.Peer);
        await Task.Delay(200);
        Assert.Empty(b.Sink.Tables);

        b.Membership.Set(a.Peer, b.Peer);
        await RecordingSink.WaitAsync(() => b.Sink.Has("a", "a-s1"), "a's rows on b once a announced its port");

        await a.DisposeAsync();
        await using var moved = new SyncTestNode("a");
        moved.Local.AddService(SyncRows.Service("a", 2));
        b.Membership.Set(moved.Peer, b.Peer);

        await RecordingSink.WaitAsync(() => b.Sink.Matches(moved.Local.Current), "b follows a at its new port");
        Assert.Empty(b.Sink.Removed);
    }

    [Fact]
    public async Task DepartedMember_HasItsRowsRemoved_AndOnlyItsOwn()
    {
        await using var a = new SyncTestNode("a");
        await using var b = new SyncTestNode("b");
        await using var c = new SyncTestNode("c");
        SyncTestNode.Join(a, b, c);
        a.Local.AddService(SyncRows.Service("a", 1));
        b.Local.AddService(SyncRows.Service("b", 1));
        await RecordingSink.WaitAsync(() => c.Sink.Has("a", "a-s1") && c.Sink.Has("b", "b-s1"), "a's and b's rows on c");

        c.Membership.Set(b.Peer, c.Peer);

        await RecordingSink.WaitAsync(() => !c.Sink.Tables.ContainsKey("a"), "a's rows gone from c");
        Assert.Equal(["a"], c.Sink.Removed);
        Assert.True(c.Sink.Has("b", "b-s1"));
        Assert.Equal(["b"], c.Sync.Follower.Peers);
        Assert.Contains("a left the cluster", c.Logger.Text);

        // A change on the departed node reaches c no more; one on b still does.
        a.Local.AddService(SyncRows.Service("a", 2));
        b.Local.AddService(SyncRows.Service("b", 2));
        await RecordingSink.WaitAsync(() => c.Sink.Has("b", "b-s2"), "b-s2 on c");
        Assert.False(c.Sink.Tables.ContainsKey("a"));

        // It comes back: followed again from scratch.
        c.Membership.Set(a.Peer, b.Peer, c.Peer);
        await RecordingSink.WaitAsync(() => c.Sink.Matches(a.Local.Current), "a's rows back on c after it rejoined");
    }

    [Fact]
    public async Task BurstOf300Listens_TravelsInAFewFrames()
    {
        await using var a = new SyncTestNode("a");
        await using var b = new SyncTestNode("b");
        await using var c = new SyncTestNode("c");
        SyncTestNode.Join(a, b, c);
        await RecordingSink.WaitAsync(() => b.Sink.Tables.ContainsKey("a") && c.Sink.Tables.ContainsKey("a"), "b and c follow a");
        long framesBefore = a.Sync.Publisher.Counters.Frames(SyncFrameKind.Delta);
        long bytesBefore = a.Sync.Publisher.Counters.Bytes(SyncFrameKind.Delta);

        var clock = Stopwatch.StartNew();
        for (int i = 0; i < 300; i++)
        {
            a.Local.AddService(SyncRows.Service("a", i));
        }

        await RecordingSink.WaitAsync(() => b.Sink.Tables["a"].Services.Length == 300 && c.Sink.Tables["a"].Services.Length == 300, "300 services on b and c");
        var took = clock.Elapsed;
        long frames = a.Sync.Publisher.Counters.Frames(SyncFrameKind.Delta) - framesBefore;
        long bytes = a.Sync.Publisher.Counters.Bytes(SyncFrameKind.Delta) - bytesBefore;
        await RecordingSink.WaitAsync(() => a.Sync.Publisher.Counters.Frames(SyncFrameKind.Digest) > 0, "a digest sent");
        long digests = a.Sync.Publisher.Counters.Frames(SyncFrameKind.Digest);
        output.WriteLine($"digest frame: {a.Sync.Publisher.Counters.Bytes(SyncFrameKind.Digest) / Math.Max(1, digests)} bytes");
        output.WriteLine($"300 listens: {frames} delta frames to 2 subscribers, {bytes} bytes, {bytes / 600.0:0} bytes per change per subscriber, on both in {took.TotalMilliseconds:0} ms");
        Assert.True(frames <= 2 * 5, $"{frames} delta frames for 300 changes to 2 subscribers");
        Assert.True(b.Sink.Matches(a.Local.Current) && c.Sink.Matches(a.Local.Current));
    }

    [Fact]
    public async Task ThirtyNodesOf300Services_Converge_9000Rows()
    {
        const int Nodes = 30;
        const int Services = 300;
        // Timeouts of the defaults' size: with 870 connections on 2 shared cores, the fast test settings
        // (a 3 s idle timeout) would time out busy peers and resubscribe them, which is not what this measures.
        var options = SyncTestNode.Fast() with { DigestInterval = TimeSpan.FromSeconds(2), IdleTimeout = TimeSpan.FromSeconds(30), HandshakeTimeout = TimeSpan.FromSeconds(15) };
        var nodes = new List<SyncTestNode>();
        try
        {
            for (int n = 0; n < Nodes; n++)
            {
                var node = new SyncTestNode($"n{n:00}", options);
                node.Local.Set(
                    [.. Enumerable.Range(0, 10).Select(i => SyncRows.App(node.Name, i))],
                    [.. Enumerable.Range(0, Services).Select(i => SyncRows.Service(node.Name, i))]);
                nodes.Add(node);
            }

            var cpu = Environment.CpuUsage.TotalTime;
            var clock = Stopwatch.StartNew();
            SyncTestNode.Join([.. nodes]);
            int expected = (Nodes - 1) * (Services + 10);
            await RecordingSink.WaitAsync(() => nodes.All(n => n.Sink.Rows == expected), $"every node holds {expected} rows of the others", seconds: 60);
            var full = clock.Elapsed;
            var fullCpu = Environment.CpuUsage.TotalTime - cpu;

            // Then one change on every node at once.
            clock.Restart();
            foreach (var node in nodes)
            {
                node.Local.RemoveService($"{node.Name}-s0");
            }

            await RecordingSink.WaitAsync(() => nodes.All(n => n.Sink.Rows == expected - (Nodes - 1)), "one removal per node everywhere", seconds: 60);
            var delta = clock.Elapsed;
            long fullBytes = nodes.Sum(n => n.Sync.Publisher.Counters.Bytes(SyncFrameKind.Full));
            long fullCount = nodes.Sum(n => n.Sync.Publisher.Counters.Frames(SyncFrameKind.Full));
            output.WriteLine($"{Nodes} nodes x {Services} services ({Nodes * Services} in the table, {Nodes * (Nodes - 1)} connections): all converged in {full.TotalMilliseconds:0} ms from the join, {fullCpu.TotalSeconds:0.0} CPU-s in this one process, JIT included ({fullCount} full tables of {fullBytes / Math.Max(1, fullCount) / 1024} KiB); one change per node everywhere in {delta.TotalMilliseconds:0} ms");
            Assert.True(fullCount <= 2 * Nodes * (Nodes - 1), $"{fullCount} full tables for {Nodes * (Nodes - 1)} subscriptions: a resubscription storm");
        }
        finally
        {
            await Task.WhenAll(nodes.Select(n => n.DisposeAsync().AsTask()));
        }
    }
}
