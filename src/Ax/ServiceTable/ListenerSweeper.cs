using Microsoft.Extensions.Logging;

namespace Ax.ServiceTable;

/// <summary>
/// Removes services whose host socket is gone. close(2) is not trapped (it is on every app's data path),
/// so an app that closes a listener is noticed here, within one sweep period.
/// </summary>
internal sealed partial class ListenerSweeper : IDisposable
{
    internal static readonly TimeSpan DefaultPeriod = TimeSpan.FromMilliseconds(250);

    private readonly ServiceRegistry _services;
    private readonly BindingTable _bindings;
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private int _running;

    internal ListenerSweeper(ServiceRegistry services, BindingTable bindings, ILogger logger, TimeProvider time, TimeSpan period)
    {
        _services = services;
        _bindings = bindings;
        _logger = logger;
        _timer = time.CreateTimer(static state => ((ListenerSweeper)state!).Sweep(), this, period, period);
    }

    internal void Sweep()
    {
        if (Interlocked.Exchange(ref _running, 1) == 1)
        {
            return;
        }

        try
        {
            // Nothing to sweep: an idle daemon asks the kernel nothing. Only this node's rows are judged by
            // this node's sockets; peers' rows are their owners' to remove.
            if (_services.Local.Count == 0)
            {
                return;
            }

            long generation = _services.Generation;
            HashSet<ulong> tcp = LiveSockets.ListeningTcpInodes();
            HashSet<ulong> udp = LiveSockets.UdpInodes();
            var removed = _services.RemoveWhere(e =>
                e.Generation <= generation && !(e.Proto == TransportProtocol.Tcp ? tcp : udp).Contains(e.Inode));
            foreach (ServiceEntry entry in removed)
            {
                _bindings.Remove(entry.HostAddr.Port);
                Log.ServiceClosed(_logger, entry.AppId, entry.ServiceAddr.ToString(), entry.HostAddr.ToString());
            }
        }
        catch (IOException ex)
        {
            Log.SweepFailed(_logger, ex.Message);
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    public void Dispose() => _timer.Dispose();

    private static partial class Log
    {
        [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "App {AppId} closed its service {ServiceAddr} (host {HostAddr})")]
        internal static partial void ServiceClosed(ILogger logger, string appId, string serviceAddr, string hostAddr);

        [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "Could not read the kernel's socket list: {Reason}")]
        internal static partial void SweepFailed(ILogger logger, string reason);
    }
}
