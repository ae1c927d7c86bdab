using Microsoft.Extensions.Logging;

namespace Ax.Interception;

/// <summary>
/// Finishes blocking connects without blocking an app's session thread: the socket is watched with
/// epoll on one dedicated thread, and when the kernel has decided (connected, refused, timed out) the
/// app's call is answered with SO_ERROR, exactly what a blocking connect would have returned.
/// </summary>
internal sealed unsafe partial class ConnectWaiter : IDisposable
{
    private readonly OwnedFd _epoll;
    private readonly Lock _lock = new();
    private readonly Dictionary<int, Pending> _pending = [];
    private readonly ILogger _logger;
    private readonly Thread _thread;

    /// <summary>How often connects whose app died or gave up are looked for.</summary>
    private const int SweepMilliseconds = 1000;

    internal ConnectWaiter(ILogger logger)
    {
        _logger = logger;
        int epoll = Interop.Libc.EpollCreate1(Interop.Libc.O_CLOEXEC);
        if (epoll < 0)
        {
            throw new InvalidOperationException($"epoll_create1 failed: {Interop.LastErrno()}");
        }

        _epoll = new OwnedFd(epoll);
        _thread = new Thread(Loop) { IsBackground = true, Name = "ax-connect-waiter" };
        _thread.Start();
    }

    internal int PendingCount
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Takes a copy of <paramref name="socket"/> and answers notification <paramref name="id"/> once the connect completes.</summary>
    internal void WaitForConnect(SeccompListener listener, ulong id, OwnedFd socket)
    {
        int copy = Interop.Libc.Fcntl(socket.Fd, Interop.Libc.F_DUPFD_CLOEXEC, 0);
        if (copy < 0)
        {
            listener.Respond(id, Outcome.Fail(Interop.LastErrno()));
            return;
        }

        bool added = false;
        listener.Handle.DangerousAddRef(ref added);
        var pending = new Pending(listener, id, new OwnedFd(copy));
        lock (_lock)
        {
            _pending[copy] = pending;
        }

        var interest = new Interop.Libc.EpollEvent
        {
            Events = Interop.Libc.EPOLLOUT | Interop.Libc.EPOLLERR | Interop.Libc.EPOLLHUP | Interop.Libc.EPOLLONESHOT,
            Data = (ulong)copy,
        };
        if (Interop.Libc.EpollCtl(_epoll.Fd, Interop.Libc.EPOLL_CTL_ADD, copy, &interest) != 0)
        {
            Complete(copy, Interop.LastErrno());
        }
    }

    /// <summary>
    /// Runs <paramref name="then"/> (the rest of a connect) after <paramref name="delay"/> on a timer thread, and
    /// answers notification <paramref name="id"/> with its outcome unless it answers itself (<see cref="Outcome.Answered"/>).
    /// The app's other calls go on meanwhile; an app that gave up the call (killed, interrupted) is not connected.
    /// </summary>
    internal void After(TimeSpan delay, SeccompListener listener, ulong id, OwnedFd socket, Func<Outcome> then)
    {
        bool listenerHeld = false;
        bool socketHeld = false;
        listener.Handle.DangerousAddRef(ref listenerHeld);
        socket.DangerousAddRef(ref socketHeld);
        ITimer? timer = null;
        timer = TimeProvider.System.CreateTimer(
            _ =>
            {
                try
                {
                    if (listener.IsValid(id))
                    {
                        Outcome outcome = then();
                        if (outcome.Kind != OutcomeKind.Answered)
                        {
                            Errno sent = listener.Respond(id, outcome);
                            if (sent != Errno.None && sent != Errno.ENOENT)
                            {
                                Log.AnswerFailed(_logger, sent.ToString());
                            }
                        }
                    }
                }
                finally
                {
                    socket.DangerousRelease();
                    listener.Handle.DangerousRelease();
                    timer?.Dispose();
                }
            },
            null,
            delay,
            Timeout.InfiniteTimeSpan);
    }

    private void Loop()
    {
        const int MaxEvents = 64;
        var events = stackalloc Interop.Libc.EpollEvent[MaxEvents];
        long nextSweep = Environment.TickCount64 + SweepMilliseconds;
        while (true)
        {
            int count = (int)Interop.RetryOnEintr(
                (Fd: _epoll.Fd, Events: (nint)events),
                static s => Interop.Libc.EpollWait(s.Fd, (Interop.Libc.EpollEvent*)s.Events, MaxEvents, SweepMilliseconds));
            if (Environment.TickCount64 >= nextSweep)
            {
                DropAbandoned();
                nextSweep = Environment.TickCount64 + SweepMilliseconds;
            }

            if (count < 0)
            {
                Errno error = Interop.LastErrno();
                if (error == Errno.EBADF)
                {
                    return; // disposed
                }

                Environment.FailFast($"ax: the connect waiter's epoll_wait failed: {error}");
            }

            for (int i = 0; i < count; i++)
            {
                int fd = (int)events[i].Data;
                Errno outcome = SocketCalls.TryGetIntOption(fd, Interop.Libc.SOL_SOCKET, Interop.Libc.SO_ERROR, out int soError) == Errno.None
                    ? (Errno)soError
                    : Errno.EIO;
                Complete(fd, outcome);
            }
        }
    }

    /// <summary>
    /// Lets go of connects nobody waits for any more: the app was killed, or a signal interrupted its
    /// call (it gets EINTR or asks again, as a new notification). Without this, a connect the peer never
    /// answers would hold the daemon's copy of the socket until the kernel's SYN retries run out.
    /// </summary>
    private void DropAbandoned()
    {
        List<int>? abandoned = null;
        lock (_lock)
        {
            foreach (var (fd, pending) in _pending)
            {
                if (!pending.Listener.IsValid(pending.Id))
                {
                    (abandoned ??= []).Add(fd);
                }
            }
        }

        foreach (int fd in abandoned ?? [])
        {
            Complete(fd, Errno.EINTR);
        }
    }

    private void Complete(int fd, Errno result)
    {
        Pending? pending;
        lock (_lock)
        {
            _pending.Remove(fd, out pending);
        }

        if (pending is null)
        {
            return;
        }

        Interop.Libc.EpollCtl(_epoll.Fd, Interop.Libc.EPOLL_CTL_DEL, fd, null);
        Errno sent = pending.Listener.Respond(pending.Id, result == Errno.None ? Outcome.Success : Outcome.Fail(result));
        if (sent != Errno.None && sent != Errno.ENOENT)
        {
            Log.AnswerFailed(_logger, sent.ToString());
        }

        pending.Socket.Dispose();
        pending.Listener.Handle.DangerousRelease();
    }

    public void Dispose() => _epoll.Dispose();

    private sealed record Pending(SeccompListener Listener, ulong Id, OwnedFd Socket);

    private static partial class Log
    {
        [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "Could not answer a finished connect: {Error}")]
        internal static partial void AnswerFailed(ILogger logger, string error);
    }
}
