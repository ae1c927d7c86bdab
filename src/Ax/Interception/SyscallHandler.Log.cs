using Microsoft.Extensions.Logging;

namespace Ax.Interception;

internal sealed partial class SyscallHandler
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "App {AppId} serves {Proto} {ServiceAddr} on {HostAddr}")]
        internal static partial void ServiceOpened(ILogger logger, string appId, string proto, string serviceAddr, string hostAddr);

        [LoggerMessage(EventId = 101, Level = LogLevel.Debug, Message = "App {AppId} may not reach {Destination}: no server there shares a label with it")]
        internal static partial void ConnectRefused(ILogger logger, string appId, string destination);

        [LoggerMessage(EventId = 104, Level = LogLevel.Debug, Message = "App {AppId}: connect to {Destination} refused by rule {RuleId}: {Reason}")]
        internal static partial void ConnectRefusedByRule(ILogger logger, string appId, string destination, string ruleId, string reason);

        [LoggerMessage(EventId = 105, Level = LogLevel.Debug, Message = "App {AppId}: connect to {Destination} delayed {DelayMs} ms by rule {RuleId}")]
        internal static partial void ConnectDelayed(ILogger logger, string appId, string destination, string ruleId, double delayMs);

        [LoggerMessage(EventId = 102, Level = LogLevel.Error, Message = "App {AppId} asked for a port but the pool {Ports} is exhausted; widen --ports")]
        internal static partial void PortPoolExhausted(ILogger logger, string appId, string ports);

        [LoggerMessage(EventId = 103, Level = LogLevel.Error, Message = "App {AppId} port {InternalPort} is exposed at {NodeIp}:{NodePort}, but that port could not be bound ({Error}); free it or choose another --expose port")]
        internal static partial void ExposedPortUnavailable(ILogger logger, string appId, ushort internalPort, string nodeIp, ushort nodePort, string error);

        [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "App {AppId}: cannot dial from the vservice's source IP {SourceIp} ({Error}); the kernel picks the source instead")]
        internal static partial void SourceIpUnavailable(ILogger logger, string appId, string sourceIp, string error);
    }
}
