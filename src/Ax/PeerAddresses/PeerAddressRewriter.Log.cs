using Microsoft.Extensions.Logging;

namespace Ax.PeerAddresses;

internal sealed partial class PeerAddressRewriter
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 720, Level = LogLevel.Information, Message = "Client addresses attached: servers' accept, getpeername and recvfrom show an ax client's own IP")]
        internal static partial void Started(ILogger logger);

        [LoggerMessage(EventId = 721, Level = LogLevel.Warning, Message = "Servers' accept and recvfrom will show ax clients at the node address (getpeername still shows their IP): {Reason}")]
        internal static partial void Unavailable(ILogger logger, string reason);

        [LoggerMessage(EventId = 722, Level = LogLevel.Warning, Message = "Could not note a client's IP on its socket ({Error}); its server sees the node address (said once)")]
        internal static partial void RecordFailed(ILogger logger, string error);

        [LoggerMessage(EventId = 723, Level = LogLevel.Warning, Message = "Servers here will show ax clients on other nodes at their node address: {Reason}")]
        internal static partial void OptionUnavailable(ILogger logger, string reason);
    }
}
