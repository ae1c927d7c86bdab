using Ax.Addressing;
using Ax.Apps;
using Ax.Policy;
using Ax.ServiceTable;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ax.Tests.ServiceTable;

/// <summary>The service table as a merged model: each node's rows are written and cleaned only by that node's source.</summary>
public sealed class ClusterTableTests
{
    private const uint NodeA = 0x0A000001;
    private const uint NodeB = 0x0A000002;
    private static readonly Ipv4Endpoint Vip = new(0x01010101, 80);

    [Fact]
    public void ReplaceNode_SetsOnlyThatPeersRows_AndLookupsSpanNodes()
    {
        var table = new ServiceRegistry("a");
        table.Upsert(Entry("a", 1, NodeA, 40000));

        Assert.True(table.ReplaceNode("b", [Entry("b", 1, NodeB, 40000), Entry("b", 2, NodeB, 40001)]));
        Assert.Equal(3, table.Current.Lookup(TransportProtocol.Tcp, Vip).Length);

        table.ReplaceNode("b", [Entry("b", 2, NodeB, 40001)]);
        var servers = table.Current.Lookup(TransportProtocol.Tcp, Vip);
        Assert.Equal(["a/1", "b/2"], servers.Select(e => $"{e.Node}/{e.Inode}").Order());
        Assert.True(table.Current.TryFindByHost(TransportProtocol.Tcp, new Ipv4Endpoint(NodeB, 40001), out _));
        Assert.False(table.Current.TryFindByHost(TransportProtocol.Tcp, new Ipv4Endpoint(NodeB, 40000), out _));
    }

    [Fact]
    public void SameInodeOnTwoNodes_AreTwoRows()
    {
        var table = new ServiceRegistry("a");
        table.Upsert(Entry("a", 7, NodeA, 40000));
        table.ReplaceNode("b", [Entry("b", 7, NodeB, 40000)]);

        Assert.Equal(2, table.Current.Count);
    }

    [Fact]
    public void PeerCannotWriteTheLocalNodesRows_AndLocalWritesNeverTouchPeers()
    {
        var table = new ServiceRegistry("a");
        table.Upsert(Entry("a", 1, NodeA, 40000));
        table.ReplaceNode("b", [Entry("b", 1, NodeB, 40000)]);

        Assert.False(table.ReplaceNode("a", []));
        var removed = table.RemoveWhere(e => e.AppId == "f0000001");

        Assert.Equal("a", Assert.Single(removed).Node);
        Assert.Equal("b", Assert.Single(table.Current.All).Node);
        Assert.Throws<ArgumentException>(() => table.Upsert(Entry("b", 9, NodeB, 40009)));
    }

    [Fact]
    public void RemoveNode_DropsEveryRowOfIt_AndTheVirtualIpGoesWithTheLast()
    {
        var table = new ServiceRegistry("a");
        table.ReplaceNode("b", [Entry("b", 1, NodeB, 40000), Entry("b", 2, NodeB, 40001)]);
        Assert.True(table.Current.IsServiceIp(Vip.Address));

        table.RemoveNode("b");

        Assert.Equal(0, table.Current.Count);
        Assert.False(table.Current.IsServiceIp(Vip.Address));
    }

    [Fact]
    public void ReplaceNode_WithTheSameRows_PublishesNothing()
    {
        var table = new ServiceRegistry("a");
        table.ReplaceNode("b", [Entry("b", 1, NodeB, 40000)]);
        var before = table.Current;
        int changes = 0;
        table.Changed += () => changes++;

        table.ReplaceNode("b", [Entry("b", 1, NodeB, 40000)]);

        Assert.Same(before, table.Current);
        Assert.Equal(0, changes);
    }

    [Fact]
    public void AServiceAtItsNodesOwnAddress_IsNotAVirtualIp()
    {
        var table = new ServiceRegistry("a");
        table.ReplaceNode("b", [Entry("b", 1, NodeB, 40000) with { ServiceAddr = new Ipv4Endpoint(NodeB, 8000) }]);

        Assert.False(table.Current.IsServiceIp(NodeB));
    }

    [Fact]
    public void Sweep_RemovesOnlyLocalRowsWhoseSocketIsGone()
    {
        var table = new ServiceRegistry("a");
        var bindings = new BindingTable();
        // Inodes no socket of this kernel has: a local row with one is a closed listener; a peer's row is not ours to judge.
        table.Upsert(Entry("a", ulong.MaxValue - 1, NodeA, 40000));
        table.ReplaceNode("b", [Entry("b", ulong.MaxValue - 2, NodeB, 40000)]);
        using var sweeper = new ListenerSweeper(table, bindings, NullLogger.Instance, TimeProvider.System, Timeout.InfiniteTimeSpan);

        sweeper.Sweep();

        Assert.Equal("b", Assert.Single(table.Current.All).Node);
    }

    [Fact]
    public void PeerApps_ResolveByName_AreAppIps_AndTheirIdsAreNotHandedOut()
    {
        var apps = new AppRegistry();
        var web = new AppRecord("f1234567", "web", LabelSet.Default, 0xC6120005, true, 10, ["python3"]);
        apps.ReplacePeer("b", [web]);

        Assert.True(apps.TryFindByName("WEB", out uint ip));
        Assert.Equal(web.Ip, ip);
        Assert.True(apps.IsAppIp(web.Ip));

        // The same name started here joins the peer's address: one service across both nodes.
        var local = apps.AddWithNameAddress(new AppRecord("f0000001", "web", LabelSet.Default, 0, false, 11, ["python3"]));
        Assert.Equal(web.Ip, local.Ip);

        apps.RemovePeer("b");
        Assert.Empty(apps.PeerApps);
        Assert.True(apps.TryFindByName("web", out _)); // the local one still
    }

    private static ServiceEntry Entry(string node, ulong inode, uint nodeIp, ushort hostPort) =>
        new(Guid.Empty, node, "f0000001", TransportProtocol.Tcp, Vip, new Ipv4Endpoint(nodeIp, hostPort), Vip.WithAddress(0), LabelSet.Default, inode, 128);
}
