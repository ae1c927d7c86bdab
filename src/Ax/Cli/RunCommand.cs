using System.CommandLine;
using Ax.Launcher;

namespace Ax.Cli;

/// <summary><c>ax run [options] [--] COMMAND [ARGS...]</c>: run an application under ax (seed 003, "Run").</summary>
internal static class RunCommand
{
    /// <summary>Options of <c>run</c> that take a separate value (<c>--ip 1.1.1.1</c>).</summary>
    private static readonly string[] ValueOptions = ["--ip", "--name", "--labels", "--run-dir"];

    /// <summary>Boolean options, which take a value only when it is written with '=' or is true/false.</summary>
    private static readonly string[] FlagOptions = ["--new-netns"];

    internal static Command Create()
    {
        var ip = new Option<string?>("--ip") { Description = "IPv4 address at which services of this application would be reachable" };
        var name = new Option<string?>("--name") { Description = "DNS resolvable name of the application" };
        name.NotEmpty("a DNS name for the app, such as web, or leave the flag out");
        var labels = new Option<string>("--labels")
        {
            Description = "Labels of this application, a csv of key=value; clients reach servers that share a label",
            DefaultValueFactory = _ => Policy.LabelSet.DefaultText,
        };
        var newNetns = new Option<bool>("--new-netns")
        {
            Description = "Create a new network namespace for the application (needs root)",
            DefaultValueFactory = _ => true,
        };
        var commandLine = new Argument<string[]>("command")
        {
            Description = "The program to run and its arguments",
            Arity = ArgumentArity.OneOrMore,
        };

        var command = new Command("run", "Run an application under AppSwitch") { ip, name, labels, newNetns, commandLine };
        command.SetAction(result => RunLauncher.Run(new RunOptions
        {
            Ip = result.GetValue(ip),
            Name = result.GetValue(name),
            Labels = result.GetValue(labels)!,
            NewNetns = result.GetValue(newNetns),
            Command = result.GetValue(commandLine)!,
            RunDir = RunDirectory.Resolve(result.GetValue(GlobalOptions.RunDir)),
        }));
        return command;
    }

    /// <summary>
    /// Puts "--" where the app's command begins, so that the app's own flags (<c>nginx -g ...</c>) are
    /// never read as ax's: the seed writes both <c>ax run --ip A nginx -g ...</c> and <c>ax run -- curl</c>.
    /// </summary>
    internal static string[] MarkCommandStart(string[] args)
    {
        int run = 0;
        while (run < args.Length && args[run].StartsWith('-'))
        {
            run += args[run] == "--run-dir" ? 2 : 1;
        }

        if (run >= args.Length || args[run] != "run")
        {
            return args;
        }

        for (int i = run + 1; i < args.Length; i++)
        {
            string token = args[i];
            if (token == "--")
            {
                return args;
            }

            if (!token.StartsWith('-') || token == "-")
            {
                return [.. args[..i], "--", .. args[i..]];
            }

            if (token.Contains('=', StringComparison.Ordinal))
            {
                continue;
            }

            if (ValueOptions.Contains(token))
            {
                i++;
            }
            else if (FlagOptions.Contains(token) && i + 1 < args.Length && args[i + 1] is "true" or "false")
            {
                i++;
            }
        }

        return args;
    }
}
