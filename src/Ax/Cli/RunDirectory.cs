namespace Ax.Cli;

/// <summary>
/// Where a daemon keeps its sockets and state: --run-dir, else AX_RUN_DIR, else /var/run/appswitch
/// (seed 001 mounts that path into containers). Several daemons on one machine use different ones.
/// </summary>
internal static class RunDirectory
{
    internal const string Default = "/var/run/appswitch";
    internal const string EnvironmentVariable = "AX_RUN_DIR";
    internal const string ControlSocketName = "ax.sock";
    internal const string ApiSocketName = "api.sock";

    internal static string Resolve(string? option) =>
        !string.IsNullOrEmpty(option) ? option
        : Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment
        : Default;

    internal static string ControlSocket(string runDir) => Path.Combine(runDir, ControlSocketName);

    internal static string ApiSocket(string runDir) => Path.Combine(runDir, ApiSocketName);

    internal static string NotRunning(string runDir) =>
        $"the ax daemon is not running (nothing answers in {runDir}); start it with 'ax daemon', or set {EnvironmentVariable} to the run directory of the daemon you mean";
}
