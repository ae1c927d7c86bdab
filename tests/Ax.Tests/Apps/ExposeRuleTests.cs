using Ax.Apps;
using Ax.Control;

namespace Ax.Tests.Apps;

public sealed class ExposeRuleTests
{
    private const uint NodeIp = (192u << 24) | (168u << 16) | 10; // 192.168.0.10

    [Theory]
    [InlineData("8000:9999", 8000, null, 9999)]
    [InlineData("8000:192.168.0.10:10000", 8000, "192.168.0.10", 10000)]
    [InlineData("8000:0.0.0.0:10000", 8000, "0.0.0.0", 10000)]
    public void TryParse_TheSeedsThreeForms(string text, int internalPort, string? address, int nodePort)
    {
        Assert.True(ExposeRule.TryParse(text, out ExposeRule? rule, out _));
        Assert.Equal(internalPort, rule.InternalPort);
        Assert.Equal(nodePort, rule.NodePort);
        Assert.Equal(address, rule.NodeAddress is { } a ? global::Ax.Addressing.Ipv4Endpoint.FormatAddress(a) : null);
        Assert.Equal(text, rule.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("8000")]
    [InlineData("0:9999")]
    [InlineData("8000:65536")]
    [InlineData("8000:-1")]
    [InlineData("8000:1.2.3.4")]
    [InlineData("8000:host:9999")]
    [InlineData("1:2:3:4")]
    public void TryParse_BadValue_NamesIt(string text)
    {
        Assert.False(ExposeRule.TryParse(text, out _, out string? problem));
        Assert.StartsWith($"invalid --expose '{text}'", problem);
    }

    [Fact]
    public void TryParseAll_AcceptsRepeatedAndCsvValues()
    {
        Assert.True(ExposeRule.TryParseAll(["8000:9000,8001:9001", "8002:0.0.0.0:9002"], out var rules, out _));
        Assert.Equal([8000, 8001, 8002], rules.Select(r => (int)r.InternalPort));
    }

    [Fact]
    public void TryParseAll_ANullValueFromAHandMadeRequest_IsRefused()
    {
        Assert.False(ExposeRule.TryParseAll([null], out _, out string? problem));
        Assert.StartsWith("invalid --expose", problem);
    }

    [Theory]
    [InlineData("8000:9000", "8000:9001", "port 8000 is already exposed")]
    [InlineData("8000:9000", "8001:9000", "node port 9000 is already used")]
    public void TryParseAll_APortTwice_IsRefused(string first, string second, string expected)
    {
        Assert.False(ExposeRule.TryParseAll([first, second], out _, out string? problem));
        Assert.Contains(expected, problem);
    }

    [Theory]
    [InlineData("8000:192.168.0.10:10000", true)]
    [InlineData("8000:0.0.0.0:10000", true)]
    [InlineData("8000:10000", true)]
    [InlineData("8000:192.168.0.11:10000", false)]
    public void TryParseExpose_OnlyThisNodesIpOrTheWildcard(string text, bool accepted)
    {
        bool ok = RunValidation.TryParseExpose([text], NodeIp, out _, out string? problem);

        Assert.Equal(accepted, ok);
        if (!accepted)
        {
            Assert.Contains("is not this node's IP", problem);
        }
    }
}
