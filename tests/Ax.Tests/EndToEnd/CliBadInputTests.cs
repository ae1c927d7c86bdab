namespace Ax.Tests.EndToEnd;

/// <summary>
/// Every flag of every command, given a bad value: a non-zero exit and exactly one line on stderr that
/// starts with "ax:", never a stack trace. Adding a flag means adding a line to <see cref="Cases"/>.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class CliBadInputTests
{
    public static TheoryData<string[]> Cases { get; } = new()
    {
        // ax daemon
        { ["daemon", "--driver", "foo"] },
        { ["daemon", "--driver", ""] },
        { ["daemon", "--node-interface", "nosuch0"] },
        { ["daemon", "--node-interface", "1.2.3.4"] },
        { ["daemon", "--node-interface", ""] },
        { ["daemon", "--node-name", ""] },
        { ["daemon", "--cluster", ""] },
        { ["daemon", "--ports", "abc"] },
        { ["daemon", "--ports", "70000"] },
        { ["daemon", "--ports", "5-2"] },
        { ["daemon", "--ports", "0"] },
        { ["daemon", "--ports", ""] },
        { ["daemon", "--ports", "1-2,x"] },
        { ["daemon", "--rest-port", "abc"] },
        { ["daemon", "--rest-port", "99999"] },
        { ["daemon", "--rest-port", "0"] },
        { ["daemon", "--rest-port", "-1"] },
        { ["daemon", "--rest-port", ""] },
        { ["daemon", "--clean", "maybe"] },
        { ["daemon", "--run-dir", "/proc/nope"] },
        { ["daemon", "--no-such-flag"] },
        { ["daemon", "--rest-port"] },

        // ax run
        { ["run", "--ip", "x", "--", "true"] },
        { ["run", "--ip", "1.1.1", "--", "true"] },
        { ["run", "--ip", "224.0.0.1", "--", "true"] },
        { ["run", "--ip", "", "--", "true"] },
        { ["run", "--labels", "=", "--", "true"] },
        { ["run", "--labels", "", "--", "true"] },
        { ["run", "--labels", "a=1,a=2", "--", "true"] },
        { ["run", "--labels", "a=1,,b", "--", "true"] },
        { ["run", "--name", "", "--", "true"] },
        { ["run", "--new-netns=maybe", "--", "true"] },
        { ["run", "--ip"] },
        { ["run"] },
        { ["run", "--", "/nonexistent/binary"] },
        { ["run", "--run-dir", "/nonexistent", "--", "true"] },

        // ax get
        { ["get"] },
        { ["get", "nosuch"] },
        { ["get", "apps", "-o", "yaml"] },
        { ["get", "apps", "-o", ""] },
        { ["get", "servers", "--output"] },
        { ["get", "apps", "extra"] },
        { ["get", "sockets", "--colour"] },
        { ["get", "proxies", "--run-dir", "/nonexistent"] },

        // ax itself
        { ["bogus"] },
        { ["--run-dir"] },
        { ["--no-such-flag"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void BadValue_ExitsNonZero_WithOneLineStartingAx_AndNoStackTrace(string[] args)
    {
        using var node = TestNode.Create(startDaemon: false);

        var result = node.Run(args, ax: true, timeout: TimeSpan.FromSeconds(20));

        string[] lines = result.Stderr.TrimEnd().Split('\n');
        Assert.True(result.ExitCode is > 0 and < 128 and not 70, $"exit {result.ExitCode}\n{result}");
        Assert.True(lines.Length == 1 && lines[0].StartsWith("ax: ", StringComparison.Ordinal), $"stderr is not one 'ax:' line:\n{result.Stderr}");
        Assert.DoesNotContain("Exception", result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr);
    }
}
