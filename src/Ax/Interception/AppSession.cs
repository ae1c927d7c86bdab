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

    internal AppSession(AppRecord app, NodeContext node, SeccompListener listener)
    {
        _app = app;
        _node = node;
        _listener = listener;
        _logger = node.LoggerFactory.CreateLogger("Ax.Interception");
    }

    internal void Start()
    {
        _listener.TrySetSyncWakeUp();
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
                if (!_listener.TryReceive(out Notification call, out Errno error))
                {
                    // ENOENT: the caller was interrupted or killed between poll and receive.
                    if (error is Errno.ENOENT or Errno.EINTR)
                    {
                        continue;
                    }

                    Log.ReceiveFailed(_logger, _app.Id, error.ToString());
                    break;
                }

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
                }
            }
        }
        finally
        {
            End();
        }
    }

    private void End()
    {
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
    }
}
