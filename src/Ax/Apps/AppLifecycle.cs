using Ax.Daemon;
using Ax.Interception;
using Ax.Keeper;
using Ax.ServiceTable;
using Microsoft.Extensions.Logging;

namespace Ax.Apps;

/// <summary>
/// The one owner of an app's life on this node: admission (the control socket hands over a checked
/// request and the app's seccomp listener), restore (a restarted daemon takes running apps back from the
/// keeper: AppLifecycle.Restore.cs) and teardown (the session reports every task gone). Each of those
/// touches the same stores, in an order that matters for a daemon dying in between: the registry, the
/// keeper's copy of the listener, the saved state, and this node's services and bindings.
/// </summary>
internal sealed partial class AppLifecycle(
    InterceptionContext interception,
    KeeperClient keeper,
    AppStateStore state,
    ILogger logger)
{
    private AppRegistry Apps => interception.Apps;

    /// <summary>
    /// Adds an admitted app: gives it its id (and, for a --name without --ip, its address) and has the
    /// keeper hold its listener before the app may start, so that its first trapped call waits in the
    /// kernel until the session reads it. The caller answers the launcher, then calls <see cref="StartServing"/>.
    /// </summary>
    internal (AppRecord App, SeccompListener Listener) Admit(AppRecord draft, OwnedFd listenerFd, bool madeUpAddress)
    {
        AppRecord app = draft with { Id = Apps.NewId() };
        if (madeUpAddress)
        {
            app = Apps.AddWithNameAddress(app);
        }
        else
        {
            Apps.Add(app);
        }

        var listener = new SeccompListener(listenerFd);
        keeper.Hold(app.Id, listener);
        return (app, listener);
    }

    /// <summary>Starts serving an admitted app, once its launcher has the answer.</summary>
    internal void StartServing(AppRecord app, SeccompListener listener, string launcher)
    {
        // Saved before the session starts, so that the session's end (which removes the file and the
        // keeper's copy) always comes after. A daemon that dies in between restores this app with defaults.
        if (!state.TrySaveApp(app))
        {
            Log.NotSaved(logger, app.Id);
        }

        // Should the launcher have died before reading the answer, its listener reports the app gone and
        // the session ends at once, removing what was added.
        new AppSession(app, interception, listener, End).Start();
        Log.AppStarted(logger, app.Id, app.Name, app.IpText, launcher, string.Join(' ', app.Command));
    }

    /// <summary>Every task of the app has exited: remove what this node holds for it.</summary>
    private void End(AppRecord app)
    {
        keeper.Drop(app.Id);
        state.DeleteApp(app.Id);
        Apps.Remove(app.Id);
        interception.Services.RemoveWhere(e => e.AppId == app.Id);
        interception.Bindings.RemoveApp(app.Id);
        Log.AppExited(logger, app.Id, app.Name);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "App {AppId} ({Name}) started on {Ip} by the {Launcher} launcher: {Command}")]
        internal static partial void AppStarted(ILogger logger, string appId, string name, string ip, string launcher, string command);

        [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "App {AppId}: could not save its description under the run directory; after a daemon restart it is served with defaults")]
        internal static partial void NotSaved(ILogger logger, string appId);

        [LoggerMessage(EventId = 120, Level = LogLevel.Information, Message = "App {AppId} ({Name}) has exited; its services are removed")]
        internal static partial void AppExited(ILogger logger, string appId, string name);
    }
}
