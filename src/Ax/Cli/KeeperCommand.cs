using System.CommandLine;
using Ax.Keeper;

namespace Ax.Cli;

/// <summary>
/// <c>ax keeper</c>: hidden; the daemon starts it to hold the apps' seccomp listeners across a daemon
/// restart (see <see cref="KeeperHost"/>). Nobody needs to run it by hand.
/// </summary>
internal static class KeeperCommand
{
    internal static Command Create()
    {
        var command = new Command("keeper", "Hold the apps' seccomp listeners while the daemon restarts (started by the daemon)")
        {
            Hidden = true,
        };
        command.SetAction(result => KeeperHost.Run(RunDirectory.Resolve(result.GetValue(GlobalOptions.RunDir))));
        return command;
    }
}
