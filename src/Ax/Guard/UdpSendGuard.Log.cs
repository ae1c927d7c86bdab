using Microsoft.Extensions.Logging;

namespace Ax.Guard;

internal sealed partial class UdpSendGuard
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 700, Level = LogLevel.Information, Message = "UDP send guard attached (daemon pid {Pid}): app sendmsg with an address to ax services is refused")]
        internal static partial void Started(ILogger logger, int pid);

        [LoggerMessage(EventId = 701, Level = LogLevel.Warning, Message = "Running without the UDP send guard, so apps' sendmsg/sendmmsg with an address is not checked against labels: {Reason}")]
        internal static partial void Unavailable(ILogger logger, string reason);

        [LoggerMessage(EventId = 702, Level = LogLevel.Warning, Message = "Could not add a destination to the UDP send guard's map ({Error}); it will be tried again at the next change")]
        internal static partial void MapUpdateFailed(ILogger logger, string error);
    }
}
