using System.Diagnostics;
using Ax.Apps;
using Microsoft.Extensions.Logging;

namespace Ax.Interception;

/// <summary>
/// Serves one app: a dedicated thread waits on the app's seccomp listener and answers each call.
/// One thread per app lets the kernel's synchronous wake-up put the daemon and the app on one CPU.
/// When calls queue up (an app with several threads making connections at once), a second thread, the
/// helper, answers alongside; it parks again once the app has been quiet for a while. When every task of
/// the app has exited, the listener reports POLLHUP and the app's services go.
/// </summary>
/// <remarks>
/// Only one thread receives at a time, and only after its poll saw a notification that no other thread
/// has received since: a receive with nothing queued would wait, and before Linux 6.11 it would not
/// return when the app exits. The helper is not on the listener while it is parked, so an app whose
/// calls never queue pays for no second wake-up per call.
/// </remarks>
internal sealed partial class AppSession
{
    /// <summary>How long the helper stays on the listener with nothing to answer before it parks.</summary>
    private const int HelperIdleMs = 50;

    /// <summary>
    /// How often, at most, the first thread looks for queued calls (a poll that does not wait): often
    /// enough that a helper joins within a millisecond of calls starting to queue, and rarely enough
    /// that an app making one call at a time pays nothing for it on almost every call.
    /// </summary>
    private static readonly long BacklogCheckInterval = Stopwatch.Frequency / 1000;

    private const int HelperNone = 0;
    private const int HelperParked = 1;
    private const int HelperActive = 2;

    private readonly AppRecord _app;
    private readonly InterceptionContext _node;
    private readonly SeccompListener _listener;
    private readonly Action<AppRecord> _ended;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _helperWake = new(0);
    private int _orphansPending;
    private int _helper = HelperNone;
    private int _threads;
    private int _receiving;
    private long _receives;
    private long _nextBacklogCheck;
    private volatile bool _gone;

    /// <param name="ended">Told once, when every task of the app has exited (the app's owner removes what it added).</param>
    /// <param name="restored">True for an app taken back from the keeper after a daemon restart.</param>
    internal AppSession(AppRecord app, InterceptionContext node, SeccompListener listener, Action<AppRecord> ended, bool restored = false)
    {
        _app = app;
        _node = node;
        _listener = listener;
        _ended = ended;
        _orphansPending = restored ? 1 : 0;
        _logger = node.LoggerFactory.CreateLogger("Ax.Interception");
    }

    /// <summary>Set once the kernel has refused the synchronous wake-up, so the warning is given once per daemon.</summary>
    private static int s_syncWakeUpRefused;

    internal void Start()
    {
        Errno wakeUp = _listener.TrySetSyncWakeUp();
        if (wakeUp != Errno.None && Interlocked.Exchange(ref s_syncWakeUpRefused, 1) == 0)
        {
            Log.SyncWakeUpRefused(_logger, wakeUp.ToString());
        }

        StartThread(helper: false);
    }

    private void StartThread(bool helper)
    {
        Interlocked.Increment(ref _threads);
        // 15 characters, the most a kernel thread name holds: "ax-app-" or "ax-hlp-" and the 8-character app id.
        string name = (helper ? "ax-hlp-" : "ax-app-") + _app.Id;
        var thread = new Thread(() => Serve(helper, name)) { IsBackground = true, Name = name };
        thread.Start();
    }

    private void Serve(bool helper, string name)
    {
        Interop.NameCurrentThread(name);
        using var handler = new SyscallHandler(_app, _node, _listener, _logger);
        try
        {
            while (!_gone)
            {
                switch (ReceiveNext(helper ? HelperIdleMs : -1, out Notification call, out long woke))
                {
                    case ReceiveResult.Received:
                        if (!helper)
                        {
                            OfferBacklog(woke);
                        }

                        Answer(handler, call, woke);
                        break;
                    case ReceiveResult.Idle:
                        Volatile.Write(ref _helper, HelperParked);
                        _helperWake.Wait();
                        break;
                    case ReceiveResult.Gone:
                        _gone = true;
                        _helperWake.Release();
                        return;
                }
            }
        }
        finally
        {
            if (Interlocked.Decrement(ref _threads) == 0)
            {
                End();
            }
        }
    }

    /// <summary>
    /// Waits for the next notification and receives it, unless another thread got there first. The
    /// count of receives taken before the wait tells whether what the poll saw may already be taken.
    /// </summary>
    private ReceiveResult ReceiveNext(int timeoutMs, out Notification call, out long woke)
    {
        call = default;
        long seen = Volatile.Read(ref _receives);
        ListenerState state = _listener.Wait(timeoutMs);
        woke = CallTimings.Now();
        if (state != ListenerState.Pending)
        {
            return state == ListenerState.Idle ? ReceiveResult.Idle : ReceiveResult.Gone;
        }

        if (Interlocked.CompareExchange(ref _receiving, 1, 0) != 0)
        {
            Thread.Yield(); // the other thread is receiving this very notification
            return ReceiveResult.Again;
        }

        try
        {
            if (Volatile.Read(ref _receives) != seen)
            {
                return ReceiveResult.Again;
            }

            bool received = _listener.TryReceive(out call, out Errno error);
            Interlocked.Increment(ref _receives);
            if (received)
            {
                return ReceiveResult.Received;
            }

            // ENOENT: the caller was interrupted or killed between poll and receive. EINTR goes back to
            // the poll too, not into a second receive, which could wait past the app's hang-up.
            if (error is Errno.ENOENT or Errno.EINTR)
            {
                return ReceiveResult.Again;
            }

            Log.ReceiveFailed(_logger, _app.Id, error.ToString());
            return ReceiveResult.Gone;
        }
        finally
        {
            Volatile.Write(ref _receiving, 0);
        }
    }

    /// <summary>
    /// Called by the first thread as it starts on a call: if another call is already waiting and the
    /// helper is not on the listener, the helper is started or woken to take it.
    /// </summary>
    private void OfferBacklog(long now)
    {
        int helper = Volatile.Read(ref _helper);
        if (helper == HelperActive || now < _nextBacklogCheck || Environment.ProcessorCount < 2)
        {
            return;
        }

        _nextBacklogCheck = now + BacklogCheckInterval;
        if (!_listener.HasPending())
        {
            return;
        }

        if (Interlocked.CompareExchange(ref _helper, HelperActive, helper) != helper)
        {
            return;
        }

        if (helper == HelperNone)
        {
            StartThread(helper: true);
        }
        else
        {
            _helperWake.Release();
        }
    }

    private void Answer(SyscallHandler handler, in Notification call, long woke)
    {
        if (Volatile.Read(ref _orphansPending) != 0 && Interlocked.Exchange(ref _orphansPending, 0) != 0)
        {
            ReleaseOrphans(call.Id);
        }

        bool timed = CallTimings.TryGetCall(call.Nr, out CallTimings.Call kind);
        handler.Mark = timed ? CallTimings.Add(kind, CallTimings.Step.Receive, woke) : 0;
        Outcome outcome;
        try
        {
            outcome = handler.Handle(call);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A defect in one answer must not take the node down: this app gets EIO for this call.
            Log.HandlerFailed(_logger, _app.Id, call.Nr, ex.Message);
            outcome = Outcome.Fail(Errno.EIO);
        }

        if (outcome.Kind != OutcomeKind.Answered)
        {
            _listener.Respond(call.Id, outcome);
            if (timed)
            {
                CallTimings.Add(kind, CallTimings.Step.Answer, handler.Mark);
            }
        }
    }

    /// <summary>
    /// Calls the previous daemon had received but not answered when it died are stuck: the kernel will not
    /// send them again (only fresh notifications are received), and their threads wait until someone
    /// answers. Notification ids of one filter grow by one per call, so once this daemon receives its
    /// first call (id N), every still-valid id below N is such an orphan. They are answered with EINTR,
    /// the kernel's own answer for an interrupted call: connect(2) then goes on asynchronously, and the
    /// app retries or polls as it would after a signal. The window searched is bounded (4096 ids).
    /// </summary>
    private void ReleaseOrphans(ulong firstId)
    {
        const int Window = 4096;
        int released = 0;
        for (ulong back = 1; back <= Window; back++)
        {
            ulong id = unchecked(firstId - back);
            if (_listener.IsValid(id) && _listener.Respond(id, Outcome.Fail(Errno.EINTR)) == Errno.None)
            {
                released++;
            }
        }

        if (released > 0)
        {
            Log.OrphansReleased(_logger, _app.Id, released);
        }
    }

    private void End()
    {
        _ended(_app);
        _listener.Dispose();
        _helperWake.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 121, Level = LogLevel.Warning, Message = "App {AppId}: receiving a notification failed with {Error}; the app is no longer served")]
        internal static partial void ReceiveFailed(ILogger logger, string appId, string error);

        [LoggerMessage(EventId = 122, Level = LogLevel.Error, Message = "App {AppId}: answering system call {Nr} failed: {Reason}")]
        internal static partial void HandlerFailed(ILogger logger, string appId, int nr, string reason);

        [LoggerMessage(EventId = 123, Level = LogLevel.Information, Message = "App {AppId}: answered {Count} call(s) the previous daemon left unanswered with EINTR")]
        internal static partial void OrphansReleased(ILogger logger, string appId, int count);

        [LoggerMessage(EventId = 124, Level = LogLevel.Warning, Message = "The kernel refused the synchronous wake-up of seccomp answers ({Error}; it needs Linux 6.6); apps work, but each trapped call costs two cross-CPU wake-ups")]
        internal static partial void SyncWakeUpRefused(ILogger logger, string error);
    }
}
