using Microsoft.Extensions.Logging;

namespace Ax.ServiceTable;

/// <summary>
/// Removes services whose host socket is gone. close(2) is not trapped (it is on every app's data path),
/// so an app that closes a listener is noticed here, within one sweep period. With a release count
/// (<see cref="SocketReleaseWatch.Releases"/>) a tick asks the kernel for its sockets only when the
/// count moved since the last sweep, or when <see cref="FullSweepPeriod"/> has passed: the count misses
/// a listener that stops listening without a close (shutdown(2)) and sockets made outside the daemon's
/// cgroup (by a predecessor started elsewhere), and the periodic sweep finds those.
/// </summary>
internal sealed partial class ListenerSweeper : IDisposable
{
    internal static readonly TimeSpan DefaultPeriod = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest a tick goes without asking the kernel, when a release count decides the others.</summary>
    internal static readonly TimeSpan FullSweepPeriod = TimeSpan.FromSeconds(10);

    private readonly ServiceRegistry _services;
    private readonly BindingTable _bindings;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Func<ulong?>? _releases;
    private readonly ITimer _timer;
    private ulong? _sweptAtReleases;
    private long _sweptAt;
    private int _running;

    /// <param name="releases">The kernel's count of app socket closes (<see cref="SocketReleaseWatch.Releases"/>); null sweeps at every tick.</param>
    internal ListenerSweeper(ServiceRegistry services, BindingTable bindings, ILogger logger, TimeProvider time, TimeSpan period, Func<ulong?>? releases = null)
    {
        _services = services;
        _bindings = bindings;
        _logger = logger;
        _time = time;
        _releases = releases;
        _timer = time.CreateTimer(static state => ((ListenerSweeper)state!).Tick(), this, period, period);
    }

    /// <summary>A tick of the clock: sweeps unless the release count says no socket that could end a service was closed.</summary>
    internal void Tick()
    {
        if (_releases is null)
        {
            Sweep();
            return;
        }

        ulong? releases = _releases();
        bool due = _time.GetElapsedTime(_sweptAt) >= FullSweepPeriod;
        if (releases is not null && releases == _sweptAtReleases && !due)
        {
            return;
        }

        // Read before the sweep: a close while it runs moves the count past this, and the next tick sweeps again.
        _sweptAtReleases = releases;
        _sweptAt = _time.GetTimestamp();
        Sweep();
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
            IReadOnlyDictionary<ulong, ServiceEntry> local = _services.Local;
            if (local.Count == 0)
            {
                return;
            }

            // Each list costs a walk of a kernel hash table of the whole machine: ask only for what the rows need.
            bool anyTcp = false, anyUdp = false;
            foreach (ServiceEntry entry in local.Values)
            {
                anyTcp |= entry.Proto == TransportProtocol.Tcp;
                anyUdp |= entry.Proto != TransportProtocol.Tcp;
            }

            long generation = _services.Generation;
            HashSet<ulong> tcp = anyTcp ? LiveSockets.ListeningTcpInodes() : [];
            HashSet<ulong> udp = anyUdp ? LiveSockets.UdpInodes() : [];
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
