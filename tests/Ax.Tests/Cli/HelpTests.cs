using System.CommandLine;
using Ax.Cli;

namespace Ax.Tests.Cli;

/// <summary>Every command's help lists every flag with what happens when it is left out.</summary>
public sealed class HelpTests
{
    public static TheoryData<string> Commands()
    {
        var data = new TheoryData<string>();
        foreach (string path in CommandPaths(AxCommandLine.Build(), string.Empty))
        {
            data.Add(path);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void Help_ListsEveryFlag_WithItsDefault(string commandPath)
    {
        RootCommand root = AxCommandLine.Build();
        Command command = Find(root, commandPath);
        string help = RenderHelp(root, commandPath);

        foreach (Option option in command.Options)
        {
            if (option is System.CommandLine.Help.HelpOption or VersionOption || option.Hidden)
            {
                continue;
            }

            string? line = help.Split('\n').FirstOrDefault(l => l.TrimStart().StartsWith(option.Name, StringComparison.Ordinal) ||
                option.Aliases.Any(a => l.TrimStart().StartsWith(a + ",", StringComparison.Ordinal)));
            Assert.True(line is not null, $"'ax {commandPath} --help' does not list {option.Name}:\n{help}");
            Assert.True(
                line!.Contains("default", StringComparison.OrdinalIgnoreCase) || line.Contains("(REQUIRED)", StringComparison.Ordinal),
                $"'ax {commandPath} --help' does not say what {option.Name} defaults to: {line.Trim()}");
        }
    }

    [Fact]
    public void RootHelp_ListsEveryCommand()
    {
        RootCommand root = AxCommandLine.Build();
        string help = RenderHelp(root, string.Empty);
        foreach (Command command in root.Subcommands.Where(c => !c.Hidden))
        {
            Assert.Contains(command.Name, help, StringComparison.Ordinal);
        }
    }

    private static string RenderHelp(RootCommand root, string commandPath)
    {
        var output = new StringWriter();
        string[] args = [.. commandPath.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--help"];
        root.Parse(args).Invoke(new InvocationConfiguration { Output = output });

        // The help renderer wraps long descriptions; join the continuation lines to their option.
        var lines = new List<string>();
        foreach (string raw in output.ToString().Split('\n'))
        {
            if (lines.Count > 0 && raw.StartsWith("    ", StringComparison.Ordinal) && raw.TrimStart().Length > 0 && !raw.TrimStart().StartsWith('-'))
            {
                lines[^1] += " " + raw.Trim();
            }
            else
            {
                lines.Add(raw);
            }
        }

        return string.Join('\n', lines);
    }

    private static Command Find(Command root, string path)
    {
        Command command = root;
        foreach (string name in path.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            command = command.Subcommands.Single(c => c.Name == name);
        }

        return command;
    }

    private static IEnumerable<string> CommandPaths(Command command, string prefix)
    {
        yield return prefix;
        foreach (Command sub in command.Subcommands.Where(c => !c.Hidden))
        {
            foreach (string path in CommandPaths(sub, (prefix + " " + sub.Name).Trim()))
            {
                yield return path;
            }
        }
    }
}
