using System.CommandLine;
using Ax.Cli;
using Ax.Launcher;

namespace Ax.Tests.Cli;

/// <summary>The fast reader of <c>ax run</c> and the full parser agree, or the fast one steps aside.</summary>
public sealed class RunFastPathTests
{
    [Theory]
    [InlineData("run -- true")]
    [InlineData("run true")]
    [InlineData("run --ip 1.1.1.1 --name web --labels role=prod nginx -g daemon off;")]
    [InlineData("run --ip=1.1.1.1 -- curl -I web")]
    [InlineData("run --new-netns=false curl -I 1.1.1.1:8000")]
    [InlineData("run --new-netns false curl")]
    [InlineData("run --new-netns curl")]
    [InlineData("--run-dir /tmp/r run --labels a=b,c=d ls -l")]
    [InlineData("--run-dir=/tmp/r run -- ls")]
    [InlineData("run --run-dir /tmp/q --ip 2.2.2.2 -- sh -c exit")]
    [InlineData("run --expose 8000:9999 --expose 81:0.0.0.0:10001 python3 -m http.server")]
    [InlineData("run --user nobody --interface eth0 ip addr show")]
    [InlineData("run -- --weird-app-flag")]
    [InlineData("run --dns-override=false --name web cat /etc/resolv.conf")]
    [InlineData("run --dns-override false getent hosts web")]
    public void PlainCommandLines_ReadTheSameAsTheFullParser(string line)
    {
        string[] args = line.Split(' ');
        Assert.True(RunFastPath.TryParse(args, out RunOptions? fast), "the fast path stepped aside");
        RunOptions full = ParseFully(args);

        Assert.Equal(Describe(full), Describe(fast!));
    }

    [Theory]
    [InlineData("run --help")]
    [InlineData("run -h true")]
    [InlineData("run --ip")]
    [InlineData("run --ip 1.1.1.1 --ip 2.2.2.2 true")]
    [InlineData("run --no-such-flag true")]
    [InlineData("run --new-netns=maybe true")]
    [InlineData("run --ip --name x true")]
    [InlineData("run")]
    [InlineData("run --")]
    [InlineData("get apps")]
    [InlineData("--run-dir")]
    [InlineData("--version")]
    public void AnythingElse_IsLeftToTheFullParser(string line) =>
        Assert.False(RunFastPath.TryParse(line.Split(' '), out _));

    [Fact]
    public void EveryFlagOfRun_IsKnownToTheFastPath()
    {
        Command run = RunCommand.Create();
        foreach (Option option in run.Options)
        {
            if (option is System.CommandLine.Help.HelpOption)
            {
                continue;
            }

            Assert.True(
                RunCommand.ValueOptions.Contains(option.Name) || RunCommand.FlagOptions.Contains(option.Name),
                $"{option.Name} is missing from RunCommand.ValueOptions/FlagOptions; plain command lines using it would be misread");
            Assert.Equal(option is Option<bool>, RunCommand.FlagOptions.Contains(option.Name));
        }
    }

    private static RunOptions ParseFully(string[] args)
    {
        RunOptions? captured = null;
        var root = new RootCommand { GlobalOptions.RunDir, RunCommand.Create(options => { captured = options; return 0; }) };
        ParseResult result = root.Parse(RunCommand.MarkCommandStart(args));
        Assert.Empty(result.Errors);
        Assert.Equal(0, result.Invoke());
        return captured!;
    }

    private static string Describe(RunOptions o) => string.Join(
        " | ",
        o.Ip, o.Name, o.Labels, o.NewNetns, string.Join(',', o.Expose), o.User, o.Interface, o.DnsOverride, string.Join(' ', o.Command), o.RunDir);
}
