using System.Net;
using Ax.Cluster;

namespace Ax.Tests.Cluster;

public sealed class NeighborListTests
{
    private static readonly IPAddress Self = IPAddress.Parse("192.168.0.2");

    [Fact]
    public void Csv_WithPortsBlanksRepeatsAndATrailingComma_GivesEachNeighborOnce()
    {
        Assert.True(NeighborList.TryParse(" 192.168.0.3, 192.168.0.4:8000,,192.168.0.3,", out var neighbors, out string problem), problem);

        Assert.Equal([new Neighbor(IPAddress.Parse("192.168.0.3"), null), new Neighbor(IPAddress.Parse("192.168.0.4"), 8000)], neighbors);
    }

    [Theory]
    [InlineData("192.168.0.3,web", "web")]
    [InlineData("192.168.0.3:0", "192.168.0.3:0")]
    [InlineData("192.168.0.3:70000", "192.168.0.3:70000")]
    [InlineData("192.168.0.3:", "192.168.0.3:")]
    [InlineData("192.168.3", "192.168.3")]
    [InlineData("10", "10")]
    [InlineData("::1", "::1")]
    [InlineData("256.1.1.1", "256.1.1.1")]
    public void Garbage_IsRefused_WithOneSentenceNamingTheEntry(string csv, string bad)
    {
        Assert.False(NeighborList.TryParse(csv, out _, out string problem));

        Assert.Equal($"--neighbors entry '{bad}' is not an IPv4 address or IPv4:port; give a csv of the other nodes' addresses, e.g. 10.0.0.2,10.0.0.3:7946", problem);
    }

    [Theory]
    [InlineData("192.168.0.2", true)]
    [InlineData("192.168.0.2:7946", true)]
    [InlineData("192.168.0.2:7950", false)]
    [InlineData("192.168.0.3", false)]
    public void TheNodesOwnAddress_WithoutAPortOrWithItsGossipPort_IsItself(string entry, bool self)
    {
        Assert.True(NeighborList.TryParse(entry, out var neighbors, out _));

        Assert.Equal(self, Assert.Single(neighbors).IsSelf(Self, 7946));
    }

    [Fact]
    public void ANeighborWithoutAPort_IsJoinedOnOurGossipPort_NotSerfsDefault()
    {
        Assert.Equal("192.168.0.3:8946", new Neighbor(IPAddress.Parse("192.168.0.3"), null).JoinAddress(8946));
        Assert.Equal("192.168.0.3:7000", new Neighbor(IPAddress.Parse("192.168.0.3"), 7000).JoinAddress(8946));
    }
}
