using Ax.Cli;

namespace Ax.Tests.Cli;

public sealed class RunCommandTests
{
    [Theory]
    [InlineData("run --ip 1.1.1.1 nginx -g daemon", "run --ip 1.1.1.1 -- nginx -g daemon")]
    [InlineData("run -- curl -I web", "run -- curl -I web")]
    [InlineData("run --new-netns=false curl -I x", "run --new-netns=false -- curl -I x")]
    [InlineData("run --new-netns false curl", "run --new-netns false -- curl")]
    [InlineData("--run-dir /tmp/r run --labels a=b ls -l", "--run-dir /tmp/r run --labels a=b -- ls -l")]
    [InlineData("run --expose 8000:9999 python3 -m http.server", "run --expose 8000:9999 -- python3 -m http.server")]
    [InlineData("run --user nobody --interface eth0 ip addr show", "run --user nobody --interface eth0 -- ip addr show")]
    [InlineData("run --expose=8000:9999 --new-netns=false id -u", "run --expose=8000:9999 --new-netns=false -- id -u")]
    [InlineData("get servers -o json", "get servers -o json")]
    public void MarkCommandStart_SeparatesTheAppsFlagsFromAxs(string input, string expected) =>
        Assert.Equal(expected.Split(' '), RunCommand.MarkCommandStart(input.Split(' ')));
}
