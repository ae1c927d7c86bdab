using Ax.Apps;
using Microsoft.Extensions.Logging;

namespace Ax.Interception;

/// <summary>
/// Serves one app: a dedicated thread waits on the app's seccomp listener and answers each call.
/// One thread per app lets the kernel's synchronous wake-up put the daemon and the app on one CPU.
/// When every task of the app has exited, the listener reports POLLHUP and the app's services go.
/// </summary>
internal sealed partial class AppSession
{
    private readonly AppRecord _app;
    private readonly NodeContext _node;
    private readonly SeccompListener _listener;
    private readonly ILogger _logger;
    private bool _orphansPending;

    /// <param name="restored">True for an app taken back from the keeper after a daemon restart.</param>
    internal AppSession(AppRecord app, NodeContext node, SeccompListener listener, bool restored = false)
    {
        _app = app;
        _node = node;
        _listener = listener;
        _orphansPending = restored;
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

        var thread = new Thread(Serve) { IsBackground = true, Name = $"ax-app-{_app.Id}" };
        thread.Start();
    }

    private void Serve()
    {
        using var handler = new SyscallHandler(_app, _node, _listener, _logger);
        try
        {
            while (_listener.Wait() == ListenerState.Pending)
            {
                long woke = CallTimings.Now();
                if (!_listener.TryReceive(out Notification call, out Errno error))
                {
                    // ENOENT: the caller was interrupted or killed between poll and receive. EINTR goes back
                    // to poll too, not into a second receive: a receive with nothing queued would wait on,
                    // and miss the hang-up that tells this thread the app is gone.
                    if (error is Errno.ENOENT or Errno.EINTR)
                    {
                        continue;
                    }

                    Log.ReceiveFailed(_logger, _app.Id, error.ToString());
                    break;
                }

                if (_orphansPending)
                {
                    _orphansPending = false;
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
        }
        finally
        {
            End();
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
        _node.Keeper.Drop(_app.Id);
        _node.State.DeleteApp(_app.Id);
        _node.Apps.Remove(_app.Id);
        _node.Services.RemoveWhere(e => e.AppId == _app.Id);
        _node.Bindings.RemoveApp(_app.Id);
        _listener.Dispose();
        Log.AppExited(_logger, _app.Id, _app.Name);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 120, Level = LogLevel.Information, Message = "App {AppId} ({Name}) has exited; its services are removed")]
        internal static partial void AppExited(ILogger logger, string appId, string name);

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
