using Ax.Policy;

namespace Ax.Tests.Policy;

public sealed class LabelSetTests
{
    [Fact]
    public void SharesAnyWith_IsTrueOnlyForAnIdenticalPair()
    {
        Assert.True(LabelSet.TryParse("role=test,tier=web", out var client, out _));
        Assert.True(LabelSet.TryParse("role=test", out var test, out _));
        Assert.True(LabelSet.TryParse("role=prod,tier=db", out var prod, out _));

        Assert.True(client.SharesAnyWith(test));
        Assert.False(client.SharesAnyWith(prod));
        Assert.False(LabelSet.Default.SharesAnyWith(test));
    }

    [Theory]
    [InlineData("role", "invalid label 'role'")]
    [InlineData("=x", "invalid label '=x'")]
    [InlineData("a=1,a=2", "given twice")]
    [InlineData("a=b=c", "one key=value")]
    [InlineData("a=1,,b=2", "invalid label ''")]
    public void TryParse_RejectsMalformedLabelsWithAReason(string csv, string expected)
    {
        Assert.False(LabelSet.TryParse(csv, out _, out string? error));
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Zones_AreTheLabelsAsMatchExpressions() =>
        Assert.Equal(["zone==default"], LabelSet.Default.Zones);
}
