using System.CommandLine;

namespace Ax.Cli;

/// <summary>The ax command tree: daemon, run, get, create, delete (seed 003).</summary>
internal static class AxCommandLine
{
    internal static RootCommand Build()
    {
        var root = new RootCommand("ax: transparent, proxy-less service networking for unmodified Linux applications (AppSwitch)")
        {
            GlobalOptions.RunDir,
            DaemonCommand.Create(),
            RunCommand.Create(),
            GetCommand.Create(),
            CreateCommand.Create(),
            DeleteCommand.Create(),
            KeeperCommand.Create(),
        };
        return root;
    }

    /// <summary>Parses and runs; user mistakes become one line on stderr and a non-zero exit.</summary>
    internal static int Invoke(string[] args)
    {
        try
        {
            if (RunFastPath.TryParse(args, out Launcher.RunOptions? options))
            {
                return Launcher.RunLauncher.Run(options!);
            }

            foreach (string note in DaemonEnvironment.IgnoredNotes(args, Environment.GetEnvironmentVariable))
            {
                Console.Error.WriteLine(note);
            }

            RootCommand root = Build();
            ParseResult result = root.Parse(RunCommand.MarkCommandStart(DaemonEnvironment.Apply(args, Environment.GetEnvironmentVariable)));
            bool wantsHelp = result.Tokens.Any(t => t.Value is "--help" or "-h" or "-?");
            if (result.Errors.Count > 0 && !wantsHelp)
            {
                string command = string.Join(' ', result.CommandResult.Command == root ? [] : CommandPath(result));
                Console.Error.WriteLine($"ax: {OneLine(FirstError(result))}; see 'ax {command}{(command.Length > 0 ? " " : string.Empty)}--help'");
                return 2;
            }

            return result.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (CliException ex)
        {
            Console.Error.WriteLine($"ax: {ex.Message}");
            return ex.ExitCode;
        }
        catch (Exception ex) when (Environment.GetEnvironmentVariable("AX_DEBUG") is null)
        {
            // A failure nobody turned into a sentence yet: still one line, and the trace on request.
            Console.Error.WriteLine($"ax: unexpected {ex.GetType().Name} ({OneLine(ex.Message)}); this is a bug in ax: run again with AX_DEBUG=1 for the details and report it");
            return 70; // EX_SOFTWARE, sysexits.h
        }
    }

    /// <summary>An unknown word says more than the "required command" complaint that follows from it.</summary>
    private static string FirstError(ParseResult result) =>
        (result.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? result.Errors[0]).Message;

    /// <summary>System.CommandLine lists choices on indented lines; an error here is one line.</summary>
    private static string OneLine(string message)
    {
        string[] lines = message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return lines.Length == 0 ? string.Empty : (lines[0] + (lines.Length > 1 ? " " + string.Join(", ", lines[1..]) : string.Empty)).TrimEnd('.');
    }

    private static IEnumerable<string> CommandPath(ParseResult result)
    {
        var names = new Stack<string>();
        for (var command = result.CommandResult; command.Parent is System.CommandLine.Parsing.CommandResult parent; command = parent)
        {
            names.Push(command.Command.Name);
        }

        return names;
    }
}
