using Ax.ServiceTable;
using Microsoft.Extensions.Logging;

namespace Ax.Daemon;

/// <summary>
/// Saves the service table and bindings when they have changed, at most once per period (250 ms), off
/// the apps' threads: a listen never waits for a disk write. A daemon killed within one period of a
/// change loses that change; the restore drops saved services whose socket is gone anyway, and a new
/// service is the only thing that can be missed (see the README on restarts).
/// </summary>
internal sealed partial class ServiceTableSaver : IDisposable
{
    internal static readonly TimeSpan DefaultPeriod = TimeSpan.FromMilliseconds(250);

    private readonly ServiceRegistry _services;
    private readonly BindingTable _bindings;
    private readonly AppStateStore _store;
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private IReadOnlyDictionary<ulong, ServiceEntry>? _savedSnapshot;
    private long _savedBindings = -1;
    private int _running;

    internal ServiceTableSaver(ServiceRegistry services, BindingTable bindings, AppStateStore store, ILogger logger, TimeProvider time, TimeSpan period)
    {
        _services = services;
        _bindings = bindings;
        _store = store;
        _logger = logger;
        _timer = time.CreateTimer(static state => ((ServiceTableSaver)state!).SaveIfChanged(), this, period, period);
    }

    internal void SaveIfChanged()
    {
        if (Interlocked.Exchange(ref _running, 1) == 1)
        {
            return;
        }

        try
        {
            // Only this node's rows are saved (peers' copies come back from the peers), so a peer's change writes nothing.
            IReadOnlyDictionary<ulong, ServiceEntry> snapshot = _services.Local;
            long bindings = _bindings.Version;
            if (ReferenceEquals(snapshot, _savedSnapshot) && bindings == _savedBindings)
            {
                return;
            }

            _store.SaveServices(snapshot, _bindings);
            _savedSnapshot = snapshot;
            _savedBindings = bindings;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.SaveFailed(_logger, ex.Message);
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    /// <summary>
    /// Stops the clock and saves what changed since the last tick: a daemon stopped (SIGTERM, `systemctl restart`)
    /// within one period of a listen must not lose that service.
    /// </summary>
    public void Dispose()
    {
        _timer.Dispose();
        SaveIfChanged();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 30, Level = LogLevel.Warning, Message = "Could not save the service table: {Reason}")]
        internal static partial void SaveFailed(ILogger logger, string reason);
    }
}
