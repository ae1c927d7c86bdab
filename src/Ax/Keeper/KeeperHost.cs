using System.Diagnostics;
using System.Globalization;
using Ax.Control;
using Ax.Interception;
using Ax.Logging;
using Microsoft.Extensions.Logging;

namespace Ax.Keeper;

/// <summary>
/// <c>ax keeper</c> (hidden; the daemon starts it): holds a duplicate of every app's seccomp listener, so
/// the filter keeps its listener while the daemon is gone. The kernel fails an app's trapped calls with
/// ENOSYS only once the last descriptor of the listener is closed (seccomp_notify_release); while one is
/// open, a trapped call simply waits in the kernel until some holder answers it. A new daemon asks the
/// keeper for the listeners and serves the apps again.
/// One thread, one poll(2) over the keeper socket, the daemon's connection and every held listener:
/// a listener that reports POLLHUP belongs to an app that has exited and is closed at once.
/// </summary>
internal sealed partial class KeeperHost : IDisposable
{
    internal const int DefaultGraceSeconds = 30;
    private const int MaxGraceSeconds = 3600;
    private static readonly TimeSpan IdleExit = TimeSpan.FromSeconds(10);

    /// <summary>The keeper has one thread: a peer that stops reading is dropped rather than waited for.</summary>
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(2);

    private readonly SeqpacketSocket _listen;
    private readonly ILogger _logger;
    private readonly Dictionary<string, HeldApp> _held = new(StringComparer.Ordinal);
    private readonly long _startedAt = Stopwatch.GetTimestamp();
    private SeqpacketSocket? _daemon;

    /// <summary>
    /// The newest daemon's guard links (Guard/SocketGuard.cs, Guard/UdpSendGuard.cs): held so that its
    /// programs stay attached, refusing connect, bind and sendmsg on app sockets by anyone but the
    /// daemon, while no daemon runs. They also keep the guard's maps alive for the next daemon.
    /// </summary>
    private readonly List<OwnedFd> _guardLinks = [];
    private TimeSpan _grace = TimeSpan.FromSeconds(DefaultGraceSeconds);
    private long _daemonGoneAt = Stopwatch.GetTimestamp();
    private bool _hadDaemon;

    private KeeperHost(SeqpacketSocket listen, ILogger logger)
    {
        _listen = listen;
        _logger = logger;
    }

    /// <summary>Detaches from the daemon, takes the run directory's keeper lock and serves until nothing is left to keep.</summary>
    internal static int Run(string runDir)
    {
        Detach(runDir);
        using ILoggerFactory loggerFactory = LineConsoleLoggerProvider.CreateFactory();
        ILogger logger = loggerFactory.CreateLogger("Ax.Keeper");

        string lockPath = Path.Combine(runDir, KeeperProtocol.LockName);
        int lockFd = Interop.Libc.Open(lockPath, 0x40 /* O_CREAT */ | 0x2 /* O_RDWR */ | Interop.Libc.O_CLOEXEC, 0x180 /* 0600 */);
        if (lockFd < 0)
        {
            Log.CannotStart(logger, $"cannot open {lockPath} ({Interop.LastErrno()})");
            return 1;
        }

        using var keeperLock = new OwnedFd(lockFd);
        if (Interop.Libc.Flock(lockFd, Interop.Libc.LOCK_EX | Interop.Libc.LOCK_NB) != 0)
        {
            return 0; // another keeper serves this run directory; the daemon talks to that one
        }

        string socketPath = KeeperProtocol.SocketPath(runDir);
        string pidPath = Path.Combine(runDir, KeeperProtocol.PidName);
        File.Delete(socketPath);
        if (SeqpacketSocket.TryListen(socketPath, out SeqpacketSocket? listen) is var error && error != Errno.None)
        {
            Log.CannotStart(logger, $"cannot listen on {socketPath} ({error})");
            return 1;
        }

        // Only root may hand over or take listeners: the socket is 0600 and every peer's uid is checked too.
        Interop.Libc.Chmod(socketPath, 0x180 /* 0600 */);
        File.WriteAllText(pidPath, Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        ShieldFromOomKiller(logger);
        using var keeper = new KeeperHost(listen!, logger);
        Log.Started(logger, runDir);
        keeper.Serve();
        File.Delete(socketPath);
        File.Delete(pidPath);
        Log.Stopped(logger);
        return 0;
    }

    /// <summary>
    /// Own session (a terminal hang-up or the daemon's process group being signalled does not reach it),
    /// stdin from /dev/null, stdout and stderr to run-dir/keeper.log.
    /// </summary>
    private static void Detach(string runDir)
    {
        Interop.Libc.Setsid();
        int devNull = Interop.Libc.Open("/dev/null", 0x2 /* O_RDWR */, 0);
        int log = Interop.Libc.Open(Path.Combine(runDir, KeeperProtocol.LogName), 0x1 /* O_WRONLY */ | 0x40 /* O_CREAT */ | 0x400 /* O_APPEND */, 0x180);
        if (devNull >= 0)
        {
            Interop.Libc.Dup2(devNull, 0);
            Interop.Libc.Close(devNull);
        }

        if (log >= 0)
        {
            Interop.Libc.Dup2(log, 1);
            Interop.Libc.Dup2(log, 2);
            Interop.Libc.Close(log);
        }
    }

    /// <summary>
    /// If the keeper dies while no daemon runs, every app's filter loses its listener and the kernel fails
    /// their calls with ENOSYS; nothing in user space can undo that. The keeper is small, so it asks the
    /// OOM killer to pick anything else (proc(5), /proc/pid/oom_score_adj; -1000 disables OOM killing).
    /// </summary>
    private static void ShieldFromOomKiller(ILogger logger)
    {
        try
        {
            File.WriteAllText("/proc/self/oom_score_adj", "-1000");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.OomShieldFailed(logger, ex.Message);
        }
    }

    private unsafe void Serve()
    {
        while (true)
        {
            if (_daemon is null && _held.Count == 0 && (_hadDaemon || Stopwatch.GetElapsedTime(_startedAt) > IdleExit))
            {
                return;
            }

            bool answerAll = _daemon is null && Stopwatch.GetElapsedTime(_daemonGoneAt) >= _grace;
            HeldApp[] apps = [.. _held.Values];
            var fds = new Interop.Libc.PollFd[2 + apps.Length];
            fds[0] = new Interop.Libc.PollFd { Fd = _listen.Handle.Fd, Events = Interop.Libc.POLLIN };
            fds[1] = new Interop.Libc.PollFd { Fd = _daemon?.Handle.Fd ?? -1, Events = Interop.Libc.POLLIN };
            for (int i = 0; i < apps.Length; i++)
            {
                // Events 0: POLLHUP (the app exited) is reported anyway; POLLIN only when the keeper answers.
                fds[2 + i] = new Interop.Libc.PollFd
                {
                    Fd = apps[i].Listener.Fd,
                    Events = answerAll || apps[i].Orphaned ? Interop.Libc.POLLIN : (short)0,
                };
            }

            long ready;
            fixed (Interop.Libc.PollFd* pollFds = fds)
            {
                ready = Interop.RetryOnEintr(
                    (Fds: (nint)pollFds, Count: fds.Length, Timeout: PollTimeout(answerAll)),
                    static s => Interop.Libc.Poll((Interop.Libc.PollFd*)s.Fds, (ulong)s.Count, s.Timeout));
            }

            if (ready < 0)
            {
                Environment.FailFast($"ax keeper: poll failed: {Interop.LastErrno()}");
            }

            if ((fds[0].REvents & Interop.Libc.POLLIN) != 0)
            {
                Accept();
            }

            if (fds[1].REvents != 0 && _daemon is not null && fds[1].Fd == _daemon.Handle.Fd)
            {
                try
                {
                    ServeDaemon();
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // Nothing a peer sends may take the keeper (and with it every app's listener) down.
                    Log.Failed(_logger, ex.Message);
                    DaemonGone();
                }
            }

            for (int i = 0; i < apps.Length; i++)
            {
                HeldApp app = apps[i];
                if (!_held.TryGetValue(app.Id, out HeldApp? current) || current != app)
                {
                    continue; // dropped or replaced by the daemon in this round
                }

                short events = fds[2 + i].REvents;
                if ((events & (Interop.Libc.POLLHUP | Interop.Libc.POLLERR | Interop.Libc.POLLNVAL)) != 0)
                {
                    Remove(app.Id);
                    Log.AppGone(_logger, app.Id);
                }
                else if ((events & Interop.Libc.POLLIN) != 0)
                {
                    try
                    {
                        app.Answerer ??= new DaemonlessAnswerer(app.Listener);
                        app.Answerer.AnswerOne();
                    }
                    catch (Exception ex) when (ex is not OutOfMemoryException)
                    {
                        Log.Failed(_logger, ex.Message);
                    }
                }
            }
        }
    }

    /// <summary>Wakes up when the grace runs out, and now and then while idle, to check whether to exit.</summary>
    private int PollTimeout(bool answerAll)
    {
        if (_daemon is not null)
        {
            return -1;
        }

        if (_held.Count == 0)
        {
            return 1000;
        }

        if (answerAll)
        {
            return -1;
        }

        TimeSpan left = _grace - Stopwatch.GetElapsedTime(_daemonGoneAt);
        return (int)Math.Clamp(Math.Ceiling(left.TotalMilliseconds), 1, int.MaxValue);
    }

    public void Dispose()
    {
        _daemon?.Dispose();
        _listen.Dispose();
        DropGuardLinks();
        foreach (HeldApp app in _held.Values)
        {
            app.Dispose();
        }
    }

    private void DropGuardLinks()
    {
        foreach (OwnedFd link in _guardLinks)
        {
            link.Dispose();
        }

        _guardLinks.Clear();
    }
}
