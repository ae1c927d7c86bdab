using System.CommandLine;

namespace Ax.Cli;

/// <summary>Options every ax command takes.</summary>
internal static class GlobalOptions
{
    internal static Option<string?> RunDir { get; } = new("--run-dir")
    {
        Description = $"Run directory of the daemon: its sockets and saved state (default: ${RunDirectory.EnvironmentVariable}, else {RunDirectory.Default})",
        Recursive = true,
    };
}
