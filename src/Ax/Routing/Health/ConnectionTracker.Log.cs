using Microsoft.Extensions.Logging;

namespace Ax.Routing.Health;

internal sealed partial class ConnectionTracker
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 730, Level = LogLevel.Information, Message = "Connection counts attached: the kernel counts apps' open connections and failed connects per server (up to {Capacity} servers)")]
        internal static partial void Started(ILogger logger, int capacity);

        [LoggerMessage(EventId = 731, Level = LogLevel.Warning, Message = "Running without connection counts: least_request balances as if every server were idle, and max_connections and outlier ejection do not apply: {Reason}")]
        internal static partial void Unavailable(ILogger logger, string reason);

        [LoggerMessage(EventId = 732, Level = LogLevel.Warning, Message = "Could not mark a socket for connection counting ({Error}); that connect is not counted (said once)")]
        internal static partial void TrackFailed(ILogger logger, string error);
    }
}
