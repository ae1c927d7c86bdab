namespace Ax.Cli;

/// <summary>A user-facing failure: one sentence saying what is wrong and what to do, and an exit code.</summary>
internal sealed class CliException(string message, int exitCode = 1) : Exception(message)
{
    internal int ExitCode { get; } = exitCode;
}
