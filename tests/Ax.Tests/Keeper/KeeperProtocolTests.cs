using Ax.Keeper;

namespace Ax.Tests.Keeper;

public sealed class KeeperProtocolTests
{
    [Theory]
    [InlineData("hold f0001234", "hold", "f0001234")]
    [InlineData("list", "list", "")]
    [InlineData("grace 30", "grace", "30")]
    public void TryParse_SplitsVerbAndArgument(string message, string verb, string argument)
    {
        Assert.True(KeeperProtocol.TryParse(message, out string parsedVerb, out string parsedArgument));
        Assert.Equal(verb, parsedVerb);
        Assert.Equal(argument, parsedArgument);
    }

    [Theory]
    [InlineData("")]
    [InlineData("hold ../../etc/passwd")]
    [InlineData("hold f0001234 extra")]
    [InlineData("hold a/b")]
    [InlineData("drop \u0000")]
    public void TryParse_RejectsGarbage(string message) =>
        Assert.False(KeeperProtocol.TryParse(message, out _, out _));

    [Fact]
    public void TryParse_RejectsOverlongMessages() =>
        Assert.False(KeeperProtocol.TryParse("hold " + new string('f', KeeperProtocol.MaxMessage), out _, out _));
}
