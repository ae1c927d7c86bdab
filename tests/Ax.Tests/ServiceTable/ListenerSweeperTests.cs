using Ax.Addressing;
using Ax.Policy;
using Ax.ServiceTable;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ax.Tests.ServiceTable;

public sealed class ListenerSweeperTests
{
    private static readonly Ipv4Endpoint Vip = new(0x01010101, 80);

    [Fact]
    public void WithAReleaseCount_ATickSweepsOnlyAfterTheCountMoved()
    {
        var table = new ServiceRegistry("a");
        ulong releases = 5;
        using var sweeper = new ListenerSweeper(table, new BindingTable(), NullLogger.Instance, TimeProvider.System, Timeout.InfiniteTimeSpan, () => releases);

        // Inodes no socket of this kernel has: every row here is a closed listener, once the sweep looks.
        table.Upsert(Entry(ulong.MaxValue - 1, 40001));
        sweeper.Tick();
        Assert.Empty(table.Local);

        table.Upsert(Entry(ulong.MaxValue - 2, 40002));
        sweeper.Tick();
        Assert.Single(table.Local);

        releases++;
        sweeper.Tick();
        Assert.Empty(table.Local);
    }

    [Fact]
    public void WithoutACount_EveryTickSweeps()
    {
        var table = new ServiceRegistry("a");
        using var sweeper = new ListenerSweeper(table, new BindingTable(), NullLogger.Instance, TimeProvider.System, Timeout.InfiniteTimeSpan, () => null);
        table.Upsert(Entry(ulong.MaxValue - 1, 40001));
        sweeper.Tick();
        table.Upsert(Entry(ulong.MaxValue - 2, 40002));
        sweeper.Tick();
        Assert.Empty(table.Local);
    }

    private static ServiceEntry Entry(ulong inode, ushort hostPort) =>
        new(Guid.Empty, "a", "f0000001", TransportProtocol.Tcp, Vip, new Ipv4Endpoint(0x0A000001, hostPort), Vip.WithAddress(0), LabelSet.Default, inode, 128);
}
