using Ax.Cli;
using Ax.Control;
using Ax.Policy;

namespace Ax.Launcher;

/// <summary>
/// Checks of --ip, --name, --labels, --expose, --user and --interface that the launcher makes before it
/// talks to the daemon (the daemon makes them too before it plans a native launch), so
/// a mistake is one sentence and the app never starts. The daemon checks --expose again (it alone knows
/// the node IP).
/// </summary>
internal static class RunOptionChecks
{
    internal const int UsageExit = 2;

    /// <summary>Returns the account of --user, if given; throws a CliException naming the bad value.</summary>
    internal static UserAccount? Check(RunOptions options)
    {
        if (options.Ip is not null && !RunValidation.TryParseAppIp(options.Ip, out _, out string? ipProblem))
        {
            throw new CliException(ipProblem, UsageExit);
        }

        if (options.Name is not null && !RunValidation.TryCheckName(options.Name, out string? nameProblem))
        {
            throw new CliException(nameProblem, UsageExit);
        }

        // The default labels need no check; not parsing them spares every plain `ax run` the parser's start-up.
        if (options.Labels != LabelSet.DefaultText && !LabelSet.TryParse(options.Labels, out _, out string? labelProblem))
        {
            throw new CliException(labelProblem, UsageExit);
        }

        string? problem;
        if (options.Expose.Count > 0 && !RunValidation.TryParseExpose(options.Expose, nodeIp: null, out _, out problem))
        {
            throw new CliException(problem, UsageExit);
        }

        if (options.Interface is { } name)
        {
            if (!AppInterface.TryValidateName(name, out problem))
            {
                throw new CliException(problem, UsageExit);
            }

            if (!options.NewNetns)
            {
                throw new CliException($"--interface {name} needs the app's own network namespace; drop --new-netns=false", UsageExit);
            }
        }

        return options.User is { } user ? UserSwitch.Resolve(user) : null;
    }
}
