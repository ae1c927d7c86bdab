using System.CommandLine;
using Ax.Launcher;

namespace Ax.Cli;

/// <summary><c>ax run [options] [--] COMMAND [ARGS...]</c>: run an application under ax (seed 003, "Run").</summary>
internal static class RunCommand
{
    /// <summary>Options of <c>run</c> that take a separate value (<c>--ip 1.1.1.1</c>).</summary>
    internal static readonly string[] ValueOptions = ["--ip", "--name", "--labels", "--run-dir", "--expose", "--user", "--interface"];

    /// <summary>Boolean options, which take a value only when it is written with '=' or is true/false.</summary>
    internal static readonly string[] FlagOptions = ["--new-netns", "--dns-override"];

    /// <param name="run">What runs the parsed options; the launcher, unless a test looks at them.</param>
    internal static Command Create(Func<RunOptions, int>? run = null)
    {
        var ip = new Option<string?>("--ip") { Description = "IPv4 address at which services of this application would be reachable (default: none; its servers are reached at the node's address)" };
        var name = new Option<string?>("--name") { Description = "DNS resolvable name of the application (default: none)" };
        name.NotEmpty("a DNS name for the app, such as web, or leave the flag out");
        var labels = new Option<string>("--labels")
        {
            Description = "Labels of this application, a csv of key=value; clients reach servers that share a label",
            DefaultValueFactory = _ => Policy.LabelSet.DefaultText,
        };
        var newNetns = new Option<bool>("--new-netns")
        {
            Description = "Create a new network namespace for the application (default: true; creating one needs root, --new-netns=false keeps the caller's)",
            DefaultValueFactory = _ => true,
        };
        var expose = new Option<string[]>("--expose")
        {
            Description = "Serve an app port to clients outside ax at a port of this node: internal-port:host-port, " +
                "internal-port:node-IP:node-port or internal-port:0.0.0.0:node-port (repeatable, or a csv). Default: none",
            AllowMultipleArgumentsPerToken = false,
        };
        var user = new Option<string?>("--user")
        {
            Description = "UID or user name to run the application as, with that user's groups (needs root). Default: the caller",
        };
        var interfaceName = new Option<string?>("--interface")
        {
            Description = "Name of a dummy interface, carrying the node IP, created in the application's new network namespace. Default: none (only lo)",
        };
        var dnsOverride = new Option<bool>("--dns-override")
        {
            Description = "Take over the application's DNS requests: it sees a resolv.conf that points at ax's DNS server; the host's file is untouched (default: true)",
            DefaultValueFactory = _ => true,
        };
        var commandLine = new Argument<string[]>("command")
        {
            Description = "The program to run and its arguments",
            Arity = ArgumentArity.OneOrMore,
        };

        var command = new Command("run", "Run an application under AppSwitch") { ip, name, labels, expose, user, interfaceName, newNetns, dnsOverride, commandLine };
        command.SetAction(result => (run ?? RunLauncher.Run)(ToOptions(
            flag => flag switch
            {
                "--ip" => result.GetValue(ip),
                "--name" => result.GetValue(name),
                "--labels" => result.GetValue(labels),
                "--new-netns" => result.GetValue(newNetns) ? "true" : "false",
                "--user" => result.GetValue(user),
                "--interface" => result.GetValue(interfaceName),
                "--dns-override" => result.GetValue(dnsOverride) ? "true" : "false",
                _ => null,
            },
            result.GetValue(expose) ?? [],
            result.GetValue(commandLine)!,
            RunDirectory.Resolve(result.GetValue(GlobalOptions.RunDir)))));
        return command;
    }

    /// <summary>
    /// Builds the launcher's options from each flag's text (null when not given), for both the full
    /// parser and <see cref="RunFastPath"/>, so that the two cannot disagree on a default.
    /// </summary>
    internal static RunOptions ToOptions(Func<string, string?> flag, IReadOnlyList<string> expose, IReadOnlyList<string> command, string runDir) => new()
    {
        Ip = flag("--ip"),
        Name = flag("--name"),
        Labels = flag("--labels") ?? Policy.LabelSet.DefaultText,
        NewNetns = flag("--new-netns") != "false",
        Expose = expose,
        User = flag("--user"),
        Interface = flag("--interface"),
        DnsOverride = flag("--dns-override") != "false",
        Command = command,
        RunDir = runDir,
    };

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
