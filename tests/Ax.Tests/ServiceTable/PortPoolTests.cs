using Ax.ServiceTable;

namespace Ax.Tests.ServiceTable;

public sealed class PortPoolTests
{
    [Fact]
    public void TryParse_TakesPortsAndRanges_AndCandidatesRotateThroughAllOfThem()
    {
        Assert.True(PortPool.TryParse("4000,6000-6002", out var pool, out _));

        Assert.Equal(4, pool.Count);
        Assert.Equal(new ushort[] { 4000, 6000, 6001, 6002 }, pool.Candidates().Order());
        Assert.Equal((ushort)4000, pool.Candidates().First()); // a full turn later, back at the start
    }

    [Fact]
    public void Ranges_MergeConsecutivePorts_HoweverTheyWereWritten()
    {
        Assert.True(PortPool.TryParse("6003,4000,6000-6002,6005-6006", out var pool, out _));

        Assert.Equal([((ushort)4000, (ushort)4000), ((ushort)6000, (ushort)6003), ((ushort)6005, (ushort)6006)], pool.Ranges());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("70000")]
    [InlineData("5000-4000")]
    [InlineData("abc")]
    [InlineData("1,,2")]
    public void TryParse_RejectsBadRangesWithTheFix(string text)
    {
        Assert.False(PortPool.TryParse(text, out _, out string? error));
        Assert.Contains("--ports", error);
    }
}
