using System.Text;
using Ax.Cluster.Sync;

namespace Ax.Tests.Cluster.Sync;

/// <summary>The frame format and the table arithmetic the protocol relies on.</summary>
public sealed class SyncFrameCodecTests
{
    private static NodeTable Table(ulong version, params int[] services) =>
        new("a", "appswitch", 7, version, [SyncRows.App("a", 1)], [.. services.Select(i => SyncRows.Service("a", i))]);

    [Fact]
    public void FullTable_RoundTrips_WithItsRows()
    {
        var table = Table(3, 1, 2, 3);
        byte[] frame = SyncFrameCodec.Encode(SyncFrameKind.Full, table);

        Assert.Equal(frame.Length - 4, (frame[0] << 24) | (frame[1] << 16) | (frame[2] << 8) | frame[3]);
        Assert.True(SyncFrameCodec.TryDecode(frame.AsSpan(4), out var decoded, out string error), error);
        var back = Assert.IsType<NodeTable>(decoded.Body);
        Assert.Equal(table.Services.AsEnumerable(), back.Services.AsEnumerable());
        Assert.Equal(table.Apps.AsEnumerable(), back.Apps.AsEnumerable());
        Assert.Equal(NodeTableHash.Of(table), NodeTableHash.Of(back));
    }

    [Fact]
    public void Delta_BetweenTwoVersions_AppliedToTheFirst_GivesTheSecond()
    {
        var before = Table(3, 1, 2, 3);
        var after = Table(9, 2, 3, 4) with { Services = [SyncRows.Service("a", 2) with { Labels = ["role=db"] }, SyncRows.Service("a", 3), SyncRows.Service("a", 4)] };

        var delta = NodeTableDiff.Between(before, after);

        Assert.Equal(["a-s1"], delta.RemovedServices);
        Assert.Equal(["a-s2", "a-s4"], delta.Services.Select(s => s.SocketId).Order());
        Assert.Empty(delta.Apps);
        var applied = NodeTableDiff.Apply(before, delta);
        Assert.NotNull(applied);
        Assert.Equal(9UL, applied.Version);
        Assert.Equal(NodeTableHash.Of(after), NodeTableHash.Of(applied));
        Assert.Null(NodeTableDiff.Apply(applied, delta));
    }

    [Fact]
    public void Hash_IgnoresRowOrder_ButNotAnyField()
    {
        var table = Table(3, 1, 2, 3);
        var reversed = table with { Services = [.. table.Services.Reverse()] };
        var changed = table with { Services = table.Services.SetItem(1, table.Services[1] with { Backlog = 5 }) };

        Assert.Equal(NodeTableHash.Of(table), NodeTableHash.Of(reversed));
        Assert.NotEqual(NodeTableHash.Of(table), NodeTableHash.Of(changed));
    }

    [Theory]
    [InlineData("a bad address", "\"hostAddr\":\"10.213.0.1:20001\"", "\"hostAddr\":\"10.213.0.1\"")]
    [InlineData("neither tcp nor udp", "\"proto\":\"tcp\"", "\"proto\":\"http\"")]
    [InlineData("a negative backlog", "\"backlog\":128", "\"backlog\":-1")]
    [InlineData("twice in a table", "\"socketId\":\"a-s2\"", "\"socketId\":\"a-s1\"")]
    [InlineData("bad Full body", "\"labels\":[\"role=web\"]", "\"labels\":null")]
    [InlineData("bad Full body", "\"version\":3", "\"version\":-3")]
    [InlineData("bad Full body", "\"version\":3", "\"version\":3,\"extra\":1")]
    [InlineData("bad app id", "\"id\":\"a-a1\"", "\"id\":\"\"")]
    public void BadField_FailsTheFrame_WithWhy(string why, string field, string replacement)
    {
        string json = Encoding.UTF8.GetString(SyncFrameCodec.Encode(SyncFrameKind.Full, Table(3, 1, 2))[5..]);
        Assert.Contains(field, json);
        byte[] content = [(byte)SyncFrameKind.Full, .. Encoding.UTF8.GetBytes(ReplaceFirst(json, field, replacement))];

        Assert.False(SyncFrameCodec.TryDecode(content, out _, out string error));
        Assert.Contains(why, error);
    }

    private static string ReplaceFirst(string text, string what, string with)
    {
        int at = text.IndexOf(what, StringComparison.Ordinal);
        return text[..at] + with + text[(at + what.Length)..];
    }
}
