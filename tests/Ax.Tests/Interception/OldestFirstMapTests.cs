using Ax.Addressing;
using Ax.Interception;

namespace Ax.Tests.Interception;

public sealed class OldestFirstMapTests
{
    [Fact]
    public void AFullMap_ForgetsOnlyItsOldestEntry_ForEachNewOne()
    {
        var map = new OldestFirstMap<int, string>(capacity: 3);
        map.Set(1, "a");
        map.Set(2, "b");
        map.Set(3, "c");

        map.Set(4, "d");

        Assert.False(map.TryGetValue(1, out _));
        Assert.Equal(["b", "c", "d"], new[] { 2, 3, 4 }.Select(k => map.TryGetValue(k, out string? v) ? v : null));
        Assert.Equal(3, map.Count);
    }

    [Fact]
    public void AnEntrySetAgain_CountsAsNew_AndKeepsItsNewValue()
    {
        var map = new OldestFirstMap<int, string>(capacity: 2);
        map.Set(1, "a");
        map.Set(2, "b");
        map.Set(1, "a2");

        map.Set(3, "c"); // 2 is now the oldest

        Assert.False(map.TryGetValue(2, out _));
        Assert.True(map.TryGetValue(1, out string? one));
        Assert.Equal("a2", one);
        Assert.True(map.TryGetValue(3, out _));
    }

    [Fact]
    public void ManyUpdatesOfFewKeys_NeverEvictALiveEntry()
    {
        var map = new OldestFirstMap<int, int>(capacity: 4);
        for (int i = 0; i < 10_000; i++)
        {
            map.Set(i % 4, i);
        }

        Assert.Equal(4, map.Count);
        for (int k = 0; k < 4; k++)
        {
            Assert.True(map.TryGetValue(k, out int v));
            Assert.Equal(9_996 + k, v);
        }
    }

    [Fact]
    public void ConcurrentWriters_LeaveExactlyCapacityEntries_AllOfThemReadable()
    {
        var map = new OldestFirstMap<int, int>(capacity: 1000);
        Parallel.For(0, 8, t =>
        {
            for (int i = 0; i < 5000; i++)
            {
                map.Set((t * 5000) + i, i);
            }
        });

        Assert.Equal(1000, map.Count);
    }

    [Fact]
    public void ClientAddressMap_PastItsCapacity_StillAnswersForEveryRecentConnection()
    {
        // It used to start over at 65,536 records, losing every live connection's answer at once.
        var clients = new ClientAddressMap();
        const int total = ClientAddressMap.DefaultCapacity + 10;
        for (int i = 0; i < total; i++)
        {
            clients.Record(new Ipv4Endpoint(0x0a000001 + (uint)(i >> 16), (ushort)i), 0x0a640000 + (uint)i);
        }

        for (int i = 0; i < 10; i++)
        {
            Assert.False(clients.TryGet(new Ipv4Endpoint(0x0a000001, (ushort)i), out _));
        }

        for (int i = 10; i < total; i += 997)
        {
            Assert.True(clients.TryGet(new Ipv4Endpoint(0x0a000001 + (uint)(i >> 16), (ushort)i), out uint ip), $"record {i}");
            Assert.Equal(0x0a640000 + (uint)i, ip);
        }
    }
}
