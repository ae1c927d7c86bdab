using System.Collections.Immutable;
using Ax.Cluster.Sync;

namespace Ax.Tests.Cluster.Sync;

/// <summary>A subscriber whose copy stops matching its peer's table (a lost delta) repairs it by itself.</summary>
public sealed class SyncAntiEntropyTests
{
    private static NodeTable Table(ulong incarnation, ulong version, params int[] services) =>
        new("a", "appswitch", incarnation, version, [], [.. services.Select(i => SyncRows.Service("a", i))]);

    [Fact]
    public async Task MissedDelta_IsNoticedAtTheDigest_AndRepairedByAWholeTable()
    {
        await using var a = new FakePublisher("a");
        await using var b = new SyncTestNode("b");
        b.Membership.Set(a.Peer, b.Peer);

        var (first, hello) = await a.AcceptAsync();
        Assert.Equal((0UL, 0UL), (hello.Incarnation, hello.Version));
        Assert.Equal(("b", "a", "appswitch"), (hello.Node, hello.Peer, hello.Cluster));
        var v1 = Table(7, 1, 1);
        await FakePublisher.SendAsync(first, SyncFrameKind.Full, v1);
        await RecordingSink.WaitAsync(() => b.Sink.Has("a", "a-s1"), "v1 on b");

        // The delta from 1 to 2 is lost; the digest says version 2 with v2's hash.
        var v2 = Table(7, 2, 1, 2);
        await FakePublisher.SendAsync(first, SyncFrameKind.Digest, new SyncDigest(7, 2, NodeTableHash.Of(v2)));

        var (second, again) = await a.AcceptAsync();
        Assert.Equal((0UL, 0UL), (again.Incarnation, again.Version));
        await FakePublisher.SendAsync(second, SyncFrameKind.Full, v2);
        await RecordingSink.WaitAsync(() => b.Sink.Has("a", "a-s2"), "v2 on b");
        Assert.Contains("does not match the copy", b.Logger.Text);
        Assert.Empty(b.Sink.Removed);
    }

    [Fact]
    public async Task SameVersionButDifferentRows_AtTheDigest_IsRepaired()
    {
        await using var a = new FakePublisher("a");
        await using var b = new SyncTestNode("b");
        b.Membership.Set(a.Peer);

        var (first, _) = await a.AcceptAsync();
        await FakePublisher.SendAsync(first, SyncFrameKind.Full, Table(7, 5, 1));
        await RecordingSink.WaitAsync(() => b.Sink.Has("a", "a-s1"), "v5 on b");
        var truth = Table(7, 5, 9);
        await FakePublisher.SendAsync(first, SyncFrameKind.Digest, new SyncDigest(7, 5, NodeTableHash.Of(truth)));

        var (second, again) = await a.AcceptAsync();
        Assert.Equal(0UL, again.Version);
        await FakePublisher.SendAsync(second, SyncFrameKind.Full, truth);
        await RecordingSink.WaitAsync(() => b.Sink.Has("a", "a-s9") && !b.Sink.Has("a", "a-s1"), "the true v5 on b");
    }

    [Fact]
    public async Task DeltaFromAVersionTheCopyIsNotAt_ResubscribesForTheWholeTable()
    {
        await using var a = new FakePublisher("a");
        await using var b = new SyncTestNode("b");
        b.Membership.Set(a.Peer);

        var (first, _) = await a.AcceptAsync();
        await FakePublisher.SendAsync(first, SyncFrameKind.Full, Table(7, 1, 1));
        await RecordingSink.WaitAsync(() => b.Sink.Has("a", "a-s1"), "v1 on b");
        await FakePublisher.SendAsync(first, SyncFrameKind.Delta, new SyncDelta(7, 3, 4, [], [], [SyncRows.Service("a", 4)], []));

        var (second, again) = await a.AcceptAsync();
        Assert.Equal(0UL, again.Incarnation);
        await FakePublisher.SendAsync(second, SyncFrameKind.Full, Table(7, 4, 1, 4));
        await RecordingSink.WaitAsync(() => b.Sink.Has("a", "a-s4"), "v4 on b");
        Assert.Contains("a delta from version 3 to a copy at 1", b.Logger.Text);
        Assert.Equal(2, b.Sink.Applies);
    }

    [Fact]
    public async Task CurrentSubscriber_GetsOnlyADigest_NotTheTableAgain()
    {
        var cut = new List<Stream>();
        var options = SyncTestNode.Fast((stream, _, _, _) =>
        {
            lock (cut)
            {
                cut.Add(stream);
            }

            return ValueTask.FromResult(stream);
        });
        await using var a = new SyncTestNode("a");
        await using var b = new SyncTestNode("b", options);
        a.Local.Set([], [.. Enumerable.Range(0, 100).Select(i => SyncRows.Service("a", i))]);
        SyncTestNode.Join(a, b);
        await RecordingSink.WaitAsync(() => b.Sink.Matches(a.Local.Current), "a's table on b");
        await RecordingSink.WaitAsync(() => a.Sync.Publisher.Counters.Frames(SyncFrameKind.Full) >= 1, "the full frame counted");
        long fulls = a.Sync.Publisher.Counters.Frames(SyncFrameKind.Full);
        int applies = b.Sink.Applies;

        lock (cut)
        {
            cut.ForEach(s => s.Dispose());
        }

        await RecordingSink.WaitAsync(() => a.Logger.Lines.Count(l => l.Contains(") subscribed", StringComparison.Ordinal)) == 2, "b subscribed again");
        await Task.Delay(a.Options.DigestInterval * 2);
        Assert.Equal(fulls, a.Sync.Publisher.Counters.Frames(SyncFrameKind.Full));
        Assert.Equal(applies, b.Sink.Applies);
    }
}
