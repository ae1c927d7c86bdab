using Ax.Launcher;

namespace Ax.Tests.Launcher;

public sealed class AppInterfaceTests
{
    [Theory]
    [InlineData("eth0", "eth0-p")]
    [InlineData("abcdefghijklmno", "abcdefghijklm-p")]
    [InlineData("abcdefghijklm-p", "abcdefghijklm-q")]
    public void PeerName_FitsIfnamsiz_AndDiffersFromTheName(string name, string peer)
    {
        Assert.Equal(peer, AppInterface.PeerName(name));
        Assert.True(AppInterface.PeerName(name).Length <= 15);
    }

    [Theory]
    [InlineData("eth0", true)]
    [InlineData("abcdefghijklmno", true)]
    [InlineData("abcdefghijklmnop", false)]
    [InlineData("", false)]
    [InlineData("lo", false)]
    [InlineData("a/b", false)]
    [InlineData("a b", false)]
    [InlineData("a:1", false)]
    public void TryValidateName(string name, bool valid) =>
        Assert.Equal(valid, AppInterface.TryValidateName(name, out _));
}
