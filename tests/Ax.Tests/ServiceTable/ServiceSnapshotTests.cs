using Ax.Addressing;
using Ax.Policy;
using Ax.ServiceTable;

namespace Ax.Tests.ServiceTable;

public sealed class ServiceSnapshotTests
{
    private static readonly Ipv4Endpoint Vip = new(0x01010101, 80);

    [Fact]
    public void Indexes_FollowAddsAndRemoves()
    {
        var a = Entry(1, 40000);
        var b = Entry(2, 40001);

        var both = ServiceSnapshot.Empty.With(a).With(b);
        var onlyB = both.Without(a);
        var none = onlyB.Without(b);

        Assert.Equal(2, both.Lookup(TransportProtocol.Tcp, Vip).Length);
        Assert.True(both.IsServiceIp(Vip.Address));
        Assert.True(both.TryFindByHost(TransportProtocol.Tcp, a.HostAddr, out var found) && found == a);
        Assert.Same(b, Assert.Single(onlyB.Lookup(TransportProtocol.Tcp, Vip)));
        Assert.False(onlyB.TryFindByHost(TransportProtocol.Tcp, a.HostAddr, out _));
        Assert.Empty(none.Lookup(TransportProtocol.Tcp, Vip));
        Assert.False(none.IsServiceIp(Vip.Address));
        Assert.True(none.Lookup(TransportProtocol.Udp, Vip).IsEmpty);
    }

    [Fact]
    public void With_TheSameInodeAgain_ReplacesRatherThanDuplicates()
    {
        var first = Entry(7, 40000);
        var relisten = first with { Backlog = 511 };

        var snapshot = ServiceSnapshot.Empty.With(first).With(relisten);

        Assert.Equal(511, Assert.Single(snapshot.Lookup(TransportProtocol.Tcp, Vip)).Backlog);
    }

    [Fact]
    public void Registry_SweepGeneration_ExcludesEntriesMadeAfterIt()
    {
        var registry = new ServiceRegistry("node-a");
        registry.Upsert(Entry(1, 40000));
        long generation = registry.Generation;
        registry.Upsert(Entry(2, 40001));

        var removed = registry.RemoveWhere(e => e.Generation <= generation);

        Assert.Equal(1ul, Assert.Single(removed).Inode);
        Assert.Equal(2ul, Assert.Single(registry.Current.All).Inode);
    }

    private static ServiceEntry Entry(ulong inode, ushort hostPort) =>
        new(Guid.NewGuid(), "node-a", "f0000001", TransportProtocol.Tcp, Vip, new Ipv4Endpoint(0x0A000001, hostPort), Vip, LabelSet.Default, inode, 128);
}
