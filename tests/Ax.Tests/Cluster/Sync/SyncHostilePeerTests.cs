using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Ax.Cluster.Sync;

namespace Ax.Tests.Cluster.Sync;

/// <summary>
/// Peers that break the protocol, on either end: each costs its own connection and one log line, and
/// nothing else (the daemon goes on, other peers' rows and connections are untouched).
/// </summary>
public sealed class SyncHostilePeerTests
{
    private static byte[] Frame(byte kind, string json)
    {
        byte[] body = Encoding.UTF8.GetBytes(json);
        byte[] frame = new byte[5 + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)(1 + body.Length));
        frame[4] = kind;
        body.CopyTo(frame, 5);
        return frame;
    }

    private static string HelloJson(string cluster = "appswitch", string peer = "a") =>
        $$"""{"protocol":1,"cluster":"{{cluster}}","node":"rogue","peer":"{{peer}}","incarnation":0,"version":0}""";

    /// <summary>Sends <paramref name="bytes"/> to a's publisher, then reads until a closes the connection; what a sent back.</summary>
    private static async Task<byte[]> SendToPublisherAsync(SyncTestNode a, byte[] bytes)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, a.Sync.LocalEndpoint.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(bytes);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var received = new MemoryStream();
        await stream.CopyToAsync(received, timeout.Token);
        return received.ToArray();
    }

    /// <summary>a and b follow each other, then the test attacks a; afterwards a change on a must still reach b.</summary>
    private static async Task AttackPublisherAsync(byte[] attack, string logged, Action<byte[]>? reply = null)
    {
        await using var a = new SyncTestNode("a");
        await using var b = new SyncTestNode("b");
        SyncTestNode.Join(a, b);
        a.Local.AddService(SyncRows.Service("a", 1));
        await RecordingSink.WaitAsync(() => b.Sink.Has("a", "a-s1"), "a-s1 on b");

        byte[] answer = await SendToPublisherAsync(a, attack);

        reply?.Invoke(answer);
        Assert.Equal(1, a.Logger.Lines.Count(l => l.Contains(logged, StringComparison.Ordinal)));
        a.Local.AddService(SyncRows.Service("a", 2));
        await RecordingSink.WaitAsync(() => b.Sink.Has("a", "a-s2"), "a-s2 on b after the attack");
        Assert.Equal(1, a.Sync.Publisher.SubscriberCount);
    }

    [Fact]
    public Task GarbageInsteadOfAHello_ClosesThatConnectionOnly() =>
        AttackPublisherAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), "a frame of 1195725856 bytes", answer => Assert.Empty(answer));

    [Fact]
    public Task FrameLengthOfTwoGigabytes_IsRefusedBeforeItIsRead() =>
        AttackPublisherAsync([0x7f, 0xff, 0xff, 0xff, 1, (byte)'{'], "a frame of 2147483647 bytes (the limit is 4096)");

    [Fact]
    public Task HelloWithAnUnknownField_IsRefused() =>
        AttackPublisherAsync(Frame(1, HelloJson()[..^1] + ""","admin":true}"""), "bad Hello body");

    [Fact]
    public Task HelloWithAMissingField_IsRefused() =>
        AttackPublisherAsync(Frame(1, """{"protocol":1,"cluster":"appswitch","node":"rogue","incarnation":0,"version":0}"""), "bad Hello body");

    [Fact]
    public Task HelloFromAnotherCluster_IsRefusedWithAReason() =>
        AttackPublisherAsync(Frame(1, HelloJson(cluster: "elsewhere")), "node rogue belongs to cluster elsewhere, not appswitch", answer =>
        {
            Assert.True(SyncFrameCodec.TryDecode(answer.AsSpan(4), out var frame, out _));
            Assert.Contains("elsewhere", Assert.IsType<SyncRefusal>(frame.Body).Reason);
        });

    [Fact]
    public Task HelloForAnotherNode_IsRefused() =>
        AttackPublisherAsync(Frame(1, HelloJson(peer: "z")), "asked for node z, but this is a");

    [Fact]
    public async Task SubscriberThatNeverSaysHello_IsClosedAfterTheHandshakeTimeout()
    {
        await using var a = new SyncTestNode("a", SyncTestNode.Fast() with { HandshakeTimeout = TimeSpan.FromMilliseconds(300) });
        byte[] half = Frame(1, HelloJson())[..20];
        var clock = System.Diagnostics.Stopwatch.StartNew();

        byte[] answer = await SendToPublisherAsync(a, half);

        Assert.Empty(answer);
        Assert.InRange(clock.Elapsed.TotalMilliseconds, 250, 4000);
        Assert.Contains("no hello within 0.3 s", a.Logger.Text);
    }

    [Fact]
    public async Task SubscriberThatDoesNotRead_IsDropped_AndOthersKeepTheirUpdates()
    {
        await using var a = new SyncTestNode("a", SyncTestNode.Fast() with { MaxQueuedFrames = 8, CoalesceDelay = TimeSpan.Zero });
        await using var b = new SyncTestNode("b");
        SyncTestNode.Join(a, b);
        using var slow = new TcpClient();
        await slow.ConnectAsync(IPAddress.Loopback, a.Sync.LocalEndpoint.Port);
        await slow.GetStream().WriteAsync(Frame(1, HelloJson()));
        await RecordingSink.WaitAsync(() => a.Sync.Publisher.SubscriberCount == 2, "both subscribed:\n" + a.Logger.Text);

        // Large changes, one after another, until the socket buffers and then the queue fill.
        for (int i = 0; i < 4000 && a.Sync.Publisher.SubscriberCount == 2; i++)
        {
            a.Local.Set([], [.. Enumerable.Range(0, 100).Select(s => SyncRows.Service("a", (i * 100) + s))]);
            await Task.Delay(1);
        }

        await RecordingSink.WaitAsync(() => a.Logger.Text.Contains("dropped subscriber rogue", StringComparison.Ordinal), "the reader that does not read is dropped");
        await RecordingSink.WaitAsync(() => b.Sink.Matches(a.Local.Current), "b still converges:\n" + a.Logger.Text + "\n---\n" + b.Logger.Text);
    }

    [Fact]
    public async Task PublisherSendingGarbage_LosesItsConnection_NotItsOrAnyoneElsesRows()
    {
        await using var rogue = new FakePublisher("r");
        await using var a = new SyncTestNode("a");
        await using var b = new SyncTestNode("b");
        a.Local.AddService(SyncRows.Service("a", 1));
        var peers = new[] { a.Peer, b.Peer, rogue.Peer };
        a.Membership.Set(peers);
        b.Membership.Set(peers);
        var first = await rogue.AcceptAsync();
        var second = await rogue.AcceptAsync();
        var (stream, toA) = first.Hello.Node == "b" ? (first.Stream, second.Stream) : (second.Stream, first.Stream);
        var table = new NodeTable("r", "appswitch", 3, 1, [], [SyncRows.Service("r", 1)]);
        await FakePublisher.SendAsync(stream, SyncFrameKind.Full, table);
        await FakePublisher.SendAsync(toA, SyncFrameKind.Full, table);
        await RecordingSink.WaitAsync(() => b.Sink.Has("r", "r-s1") && b.Sink.Has("a", "a-s1"), "r's and a's rows on b");

        // A service with a protocol that does not exist, then bytes that are not a frame.
        string json = Encoding.UTF8.GetString(SyncFrameCodec.Encode(SyncFrameKind.Delta, new SyncDelta(3, 1, 2, [], [], [SyncRows.Service("r", 2)], []))[5..]);
        await stream.WriteAsync(Frame(3, json.Replace("\"tcp\"", "\"sctp\"", StringComparison.Ordinal)));

        var (again, _) = await rogue.AcceptAsync();
        Assert.Contains("closed the connection to r", b.Logger.Text);
        Assert.Contains("is neither tcp nor udp", b.Logger.Text);
        await again.WriteAsync(new byte[] { 0, 0, 0, 3, 9, 9, 9 });
        await RecordingSink.WaitAsync(() => b.Logger.Text.Contains("unknown frame kind 9", StringComparison.Ordinal), "the second garbage logged");

        Assert.True(b.Sink.Has("r", "r-s1"), "r's rows stay until the membership says r is gone");
        Assert.False(b.Sink.Has("r", "r-s2"));
        a.Local.AddService(SyncRows.Service("a", 2));
        await RecordingSink.WaitAsync(() => b.Sink.Has("a", "a-s2"), "a's changes still reach b");
    }

    [Fact]
    public async Task PublisherSendingAnotherNodesTable_IsRefused_AndWritesNoRows()
    {
        await using var rogue = new FakePublisher("r");
        await using var b = new SyncTestNode("b");
        await using var a = new SyncTestNode("a");
        a.Local.AddService(SyncRows.Service("a", 1));
        b.Membership.Set(a.Peer, rogue.Peer);
        await RecordingSink.WaitAsync(() => b.Sink.Has("a", "a-s1"), "a's rows on b");

        var (stream, _) = await rogue.AcceptAsync();
        await FakePublisher.SendAsync(stream, SyncFrameKind.Full, new NodeTable("a", "appswitch", 3, 1, [], [SyncRows.Service("a", 666)]));

        await RecordingSink.WaitAsync(() => b.Logger.Text.Contains("it sent the table of node a", StringComparison.Ordinal), "the impostor logged");
        Assert.False(b.Sink.Has("a", "a-s666"));
        Assert.False(b.Sink.Tables.ContainsKey("r"));
        Assert.True(b.Sink.Matches(a.Local.Current));
    }

    [Fact]
    public async Task LocalRowThatPeersWouldRefuse_IsLeftOut_AndTheRestStillSyncs()
    {
        await using var a = new SyncTestNode("a");
        await using var b = new SyncTestNode("b");
        SyncTestNode.Join(a, b);
        a.Local.AddService(SyncRows.Service("a", 1) with { HostAddr = "10.213.0.1" });
        a.Local.AddService(SyncRows.Service("a", 2));
        a.Local.AddService(SyncRows.Service("a", 3));

        await RecordingSink.WaitAsync(() => b.Sink.Has("a", "a-s2") && b.Sink.Has("a", "a-s3"), "a's good rows on b");
        Assert.False(b.Sink.Has("a", "a-s1"));
        Assert.Equal(1, a.Logger.Lines.Count(l => l.Contains("not publishing a row of this node's table: service a-s1: a bad address", StringComparison.Ordinal)));
        Assert.DoesNotContain("Warning", b.Logger.Text);
    }

    [Fact]
    public async Task DaemonOfAnotherCluster_RetryingForAWhile_IsRefusedWithOneLogLineOnEachSide()
    {
        await using var a = new SyncTestNode("a");
        await using var x = new SyncTestNode("x", cluster: "elsewhere");
        a.Local.AddService(SyncRows.Service("a", 1));
        x.Membership.Set(a.Peer, x.Peer);

        await RecordingSink.WaitAsync(() => x.Logger.Text.Contains("refused us", StringComparison.Ordinal), "x refused");
        await Task.Delay(TimeSpan.FromTicks(x.Options.RetryMax.Ticks * 5));

        Assert.Equal(1, a.Logger.Lines.Count(l => l.Contains("node x belongs to cluster elsewhere, not appswitch", StringComparison.Ordinal)));
        Assert.Equal(1, x.Logger.Lines.Count(l => l.Contains("refused us", StringComparison.Ordinal)));
        Assert.Empty(x.Sink.Tables);
        Assert.Equal(0, a.Sync.Publisher.SubscriberCount);
    }
}
