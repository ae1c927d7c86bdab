using Microsoft.Extensions.Logging;

namespace Ax.Guard;

internal sealed partial class SocketGuard
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 710, Level = LogLevel.Information, Message = "Socket guard attached (daemon pid {Pid} in PID namespace {PidNamespace}, known by {CallerCheck}, maps of a previous daemon reused: {Reused}): connect and bind of app sockets by any other process are refused")]
        internal static partial void Started(ILogger logger, int pid, ulong pidNamespace, DaemonCallerCheck callerCheck, bool reused);

        [LoggerMessage(EventId = 711, Level = LogLevel.Warning, Message = "Running without the socket guard, so only the seccomp filter keeps apps' sockets from connecting, binding and sending unchecked: {Reason}")]
        internal static partial void Unavailable(ILogger logger, string reason);
    }
}
