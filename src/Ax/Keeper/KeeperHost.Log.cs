using Microsoft.Extensions.Logging;

namespace Ax.Keeper;

internal sealed partial class KeeperHost
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 500, Level = LogLevel.Information, Message = "ax keeper serving {RunDir}")]
        internal static partial void Started(ILogger logger, string runDir);

        [LoggerMessage(EventId = 501, Level = LogLevel.Information, Message = "ax keeper stopping: no daemon and no app left")]
        internal static partial void Stopped(ILogger logger);

        [LoggerMessage(EventId = 502, Level = LogLevel.Error, Message = "ax keeper cannot start: {Reason}")]
        internal static partial void CannotStart(ILogger logger, string reason);

        [LoggerMessage(EventId = 503, Level = LogLevel.Information, Message = "Daemon (pid {Pid}) connected; holding {Count} app(s)")]
        internal static partial void DaemonConnected(ILogger logger, int pid, int count);

        [LoggerMessage(EventId = 504, Level = LogLevel.Warning, Message = "The daemon is gone; holding {Count} app(s); their calls wait up to {GraceSeconds} s for a daemon, then fail with ENETDOWN")]
        internal static partial void DaemonGone(ILogger logger, int count, int graceSeconds);

        [LoggerMessage(EventId = 505, Level = LogLevel.Information, Message = "App {AppId} has exited; its listener is closed")]
        internal static partial void AppGone(ILogger logger, string appId);

        [LoggerMessage(EventId = 506, Level = LogLevel.Warning, Message = "Refused a connection from pid {Pid} (uid {Uid}): only root may talk to the keeper")]
        internal static partial void Refused(ILogger logger, int pid, int uid);

        [LoggerMessage(EventId = 507, Level = LogLevel.Warning, Message = "Ignored a malformed message of {Length} characters")]
        internal static partial void Garbage(ILogger logger, int length);

        [LoggerMessage(EventId = 509, Level = LogLevel.Warning, Message = "Could not exempt the keeper from the OOM killer: {Reason}")]
        internal static partial void OomShieldFailed(ILogger logger, string reason);

        [LoggerMessage(EventId = 510, Level = LogLevel.Error, Message = "The keeper hit an unexpected error and carries on: {Reason}")]
        internal static partial void Failed(ILogger logger, string reason);

        [LoggerMessage(EventId = 508, Level = LogLevel.Information, Message = "A --clean daemon disowned {Count} app(s); the keeper answers their calls with ENETDOWN until they exit")]
        internal static partial void Cleared(ILogger logger, int count);

        [LoggerMessage(EventId = 511, Level = LogLevel.Information, Message = "Holding the daemon's UDP send guard, so that it stays in force while no daemon runs")]
        internal static partial void GuardHeld(ILogger logger);
    }
}
