using System.Collections.Concurrent;
using System.Diagnostics;
using Ax.Cluster.Sync;

namespace Ax.Tests.Cluster.Sync;

/// <summary>The merged table's stand-in: each peer's latest table, and every call, for a test to assert.</summary>
internal sealed class RecordingSink : IPeerTableSink
{
    private readonly ConcurrentDictionary<string, NodeTable> _tables = new(StringComparer.Ordinal);
    private int _applies;

    internal ConcurrentQueue<string> Removed { get; } = new();

    internal int Applies => Volatile.Read(ref _applies);

    internal IReadOnlyDictionary<string, NodeTable> Tables => _tables;

    internal int Rows => _tables.Values.Sum(t => t.Services.Length + t.Apps.Length);

    public void Apply(NodeTable peerTable)
    {
        _tables[peerTable.Node] = peerTable;
        Interlocked.Increment(ref _applies);
    }

    public void Remove(string node)
    {
        _tables.TryRemove(node, out _);
        Removed.Enqueue(node);
    }

    internal bool Has(string node, string socketId) =>
        _tables.TryGetValue(node, out var table) && table.Services.Any(s => s.SocketId == socketId);

    /// <summary>The peer's copy has the same rows as <paramref name="table"/>.</summary>
    internal bool Matches(NodeTable table) =>
        _tables.TryGetValue(table.Node, out var copy) && NodeTableHash.Of(copy) == NodeTableHash.Of(table);

    /// <summary>Waits (polling every millisecond) until <paramref name="condition"/> holds; the time it took, or a failed assertion.</summary>
    internal static async Task<TimeSpan> WaitAsync(Func<bool> condition, string what, double seconds = 20)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed.TotalSeconds < seconds, $"not within {seconds} s: {what}");
            await Task.Delay(1);
        }

        return clock.Elapsed;
    }
}
