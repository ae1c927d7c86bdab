using System.Diagnostics;
using System.Globalization;
using Ax.Control;
using Ax.Interception;
using Microsoft.Extensions.Logging;

namespace Ax.Keeper;

/// <summary>
/// The daemon's side of the keeper: starts it if none runs for this run directory, hands it each new
/// app's listener and tells it when an app has ended. If the keeper dies, a watcher thread starts a new
/// one and hands it every listener again, so a crash of either process never leaves apps unprotected
/// for longer than that.
/// </summary>
internal sealed partial class KeeperClient : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(5);

    private readonly string _runDir;
    private readonly int _graceSeconds;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, SeccompListener> _held = new(StringComparer.Ordinal);
    private SeqpacketSocket? _socket;
    private List<OwnedFd> _guardLinks = [];
    private Process? _spawned;
    private bool _disposed;

    internal KeeperClient(string runDir, int graceSeconds, ILogger logger)
    {
        _runDir = runDir;
        _graceSeconds = graceSeconds;
        _logger = logger;
    }

    /// <summary>Connects to the run directory's keeper, starting one if needed; without one, apps are served but not kept.</summary>
    internal void Connect()
    {
        _socket = ConnectOrStart();
        if (_socket is null)
        {
            Log.Unavailable(_logger, _runDir);
        }
    }

    /// <summary>Takes a duplicate of every listener the keeper holds for the previous daemon, by app id.</summary>
    internal List<(string AppId, OwnedFd Listener)> TakeAll()
    {
        var apps = new List<(string, OwnedFd)>();
        SeqpacketSocket? socket = _socket;
        if (socket is null || socket.TrySend(KeeperProtocol.List) != Errno.None)
        {
            return apps;
        }

        socket.SetReceiveTimeout(StartTimeout);
        while (socket.TryReceive(out string message, out OwnedFd? fd) == Errno.None)
        {
            if (message == KeeperProtocol.End)
            {
                fd?.Dispose();
                break;
            }

            if (KeeperProtocol.TryParse(message, out string verb, out string appId) && verb == KeeperProtocol.App && appId.Length > 0 && fd is not null)
            {
                apps.Add((appId, fd));
            }
            else
            {
                fd?.Dispose();
            }
        }

        return apps;
    }

    /// <summary>--clean: the keeper stops offering the apps it holds (it answers their calls itself until they exit).</summary>
    internal void Clear() => _socket?.TrySend(KeeperProtocol.Clear);

    /// <summary>Records a listener the keeper already holds (a restored app), so it is handed over again if the keeper restarts.</summary>
    internal void Track(string appId, SeccompListener listener)
    {
        lock (_lock)
        {
            _held[appId] = listener;
        }
    }

    internal void Hold(string appId, SeccompListener listener)
    {
        lock (_lock)
        {
            _held[appId] = listener;
            _socket?.TrySend($"{KeeperProtocol.Hold} {appId}", listener.Fd);
        }
    }

    /// <summary>Called before the app's listener is closed, so the keeper never gets a stale descriptor number.</summary>
    internal void Drop(string appId)
    {
        lock (_lock)
        {
            if (_held.Remove(appId))
            {
                _socket?.TrySend($"{KeeperProtocol.Drop} {appId}");
            }
        }
    }

    /// <summary>
    /// Hands the keeper (copies of) this daemon's guard links, so the guard outlives this daemon until
    /// the next one attaches its own; the keeper lets go of the previous daemon's links on receipt.
    /// </summary>
    internal void HoldGuard(IEnumerable<OwnedFd> links)
    {
        var copies = new List<OwnedFd>();
        foreach (OwnedFd link in links)
        {
            int copy = Interop.Libc.Fcntl(link.Fd, Interop.Libc.F_DUPFD_CLOEXEC, 0);
            if (copy >= 0)
            {
                copies.Add(new OwnedFd(copy));
            }
        }

        lock (_lock)
        {
            DisposeGuardLinks();
            _guardLinks = copies;
            if (_socket is not null)
            {
                SendGuardLinks(_socket);
            }
        }
    }

    private void SendGuardLinks(SeqpacketSocket socket)
    {
        for (int i = 0; i < _guardLinks.Count; i++)
        {
            socket.TrySend(i == 0 ? KeeperProtocol.Guard : $"{KeeperProtocol.Guard} {KeeperProtocol.GuardMore}", _guardLinks[i].Fd);
        }
    }

    private void DisposeGuardLinks()
    {
        foreach (OwnedFd link in _guardLinks)
        {
            link.Dispose();
        }

        _guardLinks.Clear();
    }

    /// <summary>Watches the connection; when the keeper goes away, starts another and hands it everything again.</summary>
    internal void StartWatching() => new Thread(Watch) { IsBackground = true, Name = "ax-keeper-watch" }.Start();

    private void Watch()
    {
        while (!Volatile.Read(ref _disposed))
        {
            SeqpacketSocket? socket = _socket;
            if (socket is not null)
            {
                Errno error = socket.TryReceive(out _, out OwnedFd? stray);
                stray?.Dispose();
                if (error is Errno.None or Errno.EAGAIN)
                {
                    continue; // the keeper never speaks unasked; a receive timeout is no news
                }

                Log.Lost(_logger, error.ToString());
            }
            else
            {
                Thread.Sleep(1000);
            }

            SeqpacketSocket? fresh = ConnectOrStart();
            lock (_lock)
            {
                SeqpacketSocket? old = _socket;
                _socket = fresh;
                old?.Dispose();
                if (fresh is not null)
                {
                    foreach (var pair in _held)
                    {
                        fresh.TrySend($"{KeeperProtocol.Hold} {pair.Key}", pair.Value.Fd);
                    }

                    SendGuardLinks(fresh);

                    Log.Reconnected(_logger, _held.Count);
                }
            }
        }
    }

    private SeqpacketSocket? ConnectOrStart()
    {
        string path = KeeperProtocol.SocketPath(_runDir);
        long started = Stopwatch.GetTimestamp();
        bool spawned = false;
        while (Stopwatch.GetElapsedTime(started) < StartTimeout)
        {
            if (SeqpacketSocket.TryConnect(path, out SeqpacketSocket? socket) == Errno.None)
            {
                socket!.SetSendTimeout(StartTimeout);
                if (socket.TrySend($"{KeeperProtocol.Grace} {_graceSeconds.ToString(CultureInfo.InvariantCulture)}") == Errno.None)
                {
                    return socket;
                }

                socket.Dispose();
            }

            if (!spawned)
            {
                Spawn();
                spawned = true;
            }

            Thread.Sleep(50);
        }

        return null;
    }

    /// <summary>
    /// Starts <c>ax keeper</c> from this very binary. It detaches itself (setsid, stdio to keeper.log), so
    /// it outlives this daemon; a keeper that finds another one already serving the directory just exits.
    /// </summary>
    private void Spawn()
    {
        try
        {
            var startInfo = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
            startInfo.ArgumentList.Add("keeper");
            startInfo.ArgumentList.Add("--run-dir");
            startInfo.ArgumentList.Add(_runDir);

            // The Process object is kept so the runtime reaps the keeper if it exits while this daemon runs.
            _spawned = Process.Start(startInfo);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            Log.SpawnFailed(_logger, ex.Message);
        }
    }

    public void Dispose()
    {
        Volatile.Write(ref _disposed, true);
        _socket?.Dispose();
        lock (_lock)
        {
            DisposeGuardLinks();
        }

        _spawned?.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 520, Level = LogLevel.Warning, Message = "No keeper could be started for {RunDir}: apps are served, but a daemon restart will cut their network")]
        internal static partial void Unavailable(ILogger logger, string runDir);

        [LoggerMessage(EventId = 521, Level = LogLevel.Warning, Message = "Lost the keeper ({Error}); starting another")]
        internal static partial void Lost(ILogger logger, string error);

        [LoggerMessage(EventId = 522, Level = LogLevel.Information, Message = "Keeper connected; handed it {Count} app listener(s)")]
        internal static partial void Reconnected(ILogger logger, int count);

        [LoggerMessage(EventId = 523, Level = LogLevel.Warning, Message = "Could not start the keeper: {Reason}")]
        internal static partial void SpawnFailed(ILogger logger, string reason);
    }
}
