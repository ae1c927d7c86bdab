using System.Text.Json;
using Ax.Addressing;
using Ax.Apps;
using Ax.Contracts;
using Ax.Interception;
using Ax.Launcher;
using Ax.Policy;
using Microsoft.Extensions.Logging;

namespace Ax.Control;

/// <summary>
/// The daemon's control socket (run-dir/ax.sock). <c>ax run</c> introduces its app here, with the
/// seccomp listener of the filter it installed; from that message on, the daemon serves the app.
/// </summary>
internal sealed partial class ControlServer : IDisposable
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    private readonly SeqpacketSocket _socket;
    private readonly NodeContext _node;
    private readonly ILogger _logger;
    private readonly NamespacePool? _namespaces;

    internal ControlServer(SeqpacketSocket socket, NodeContext node, NamespacePool? namespaces = null)
    {
        _socket = socket;
        _node = node;
        _namespaces = namespaces;
        _logger = node.LoggerFactory.CreateLogger("Ax.Control");
    }

    internal void Start() => new Thread(AcceptLoop) { IsBackground = true, Name = "ax-control" }.Start();

    private void AcceptLoop()
    {
        while (true)
        {
            Errno error = _socket.TryAccept(out SeqpacketSocket? connection);
            if (error == Errno.None)
            {
                // Each connection gets a thread of its own: it may wait up to the handshake timeout for its
                // first message, so it must never hold up the thread pool (which serves the REST API),
                // however many idle connections a local user opens.
                new Thread(() => Serve(connection!)) { IsBackground = true, Name = "ax-control-run" }.Start();
                continue;
            }

            if (error is Errno.EBADF or Errno.EINVAL)
            {
                return; // shutting down
            }

            // EMFILE and friends: back off instead of spinning, and keep serving the apps already running.
            Log.AcceptFailed(_logger, error.ToString());
            Thread.Sleep(100);
        }
    }

    private void Serve(SeqpacketSocket connection)
    {
        using (connection)
        {
            try
            {
                connection.SetReceiveTimeout(HandshakeTimeout);
                Handshake(connection);
            }
            catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException)
            {
                connection.TrySend(Reply(null, $"the daemon could not read the request: {ex.Message}"));
            }
        }
    }

    /// <summary>
    /// A launcher's first message says which launcher it is. The native one (Launcher/Native/main.c) sends
    /// its arguments and gets a plan: see <see cref="NativeLaunch"/>. The full one (<c>RunLauncher</c>,
    /// in C#) sends its request with the seccomp listener of the filter it has already installed; the
    /// daemon answers with the app's id (or why it refuses), and, when the app wants a network namespace
    /// and one is ready, that namespace's descriptor: one message each way, since on this class of
    /// machine each wake-up of the other side costs tens of microseconds (BENCHMARKS.md, "launch overhead").
    /// </summary>
    private void Handshake(SeqpacketSocket connection)
    {
        if (connection.TryReceive(out string text, out OwnedFd? listenerFd) != Errno.None)
        {
            listenerFd?.Dispose();
            return;
        }

        try
        {
            if (!NativeLaunch.IsRequest(text))
            {
                Admit(connection, text, ref listenerFd);
                return;
            }

            RunOptions? options = PlanSafely(connection, text);
            if (options is not null)
            {
                AdmitNatively(connection, options);
            }
        }
        finally
        {
            listenerFd?.Dispose(); // null once the session owns it
        }
    }

    private void Admit(SeqpacketSocket connection, string text, ref OwnedFd? listenerFd)
    {
        RunRequest? request = JsonSerializer.Deserialize(text, AxJsonContext.Default.RunRequest);
        if (request is null)
        {
            connection.TrySend(Reply(null, "the run request was empty"));
            return;
        }

        if (!TryAdmit(connection, request, ref listenerFd, out AppRecord? app, out SeccompListener? listener, out string? problem))
        {
            connection.TrySend(Reply(null, problem));
            return;
        }

        // With a ready network namespace for the app, the reply carries its descriptor (SCM_RIGHTS) and
        // the launcher enters it instead of making one; without, the launcher makes its own.
        using (OwnedFd? readyNamespace = request.NewNetns ? _namespaces?.TryTake() : null)
        {
            string reply = Reply(app!.Id, null, Ipv4Endpoint.FormatAddress(_node.NodeIp), _node.ResolvConf);
            connection.TrySend(reply, readyNamespace?.Fd ?? -1);
        }

        StartServing(app, listener!, "full");
    }

    /// <summary>
    /// Checks the request and adds the app, its listener held by the keeper; the caller then answers the
    /// launcher and calls <see cref="StartServing"/>. False with the reason for the launcher when the app
    /// is refused.
    /// </summary>
    private bool TryAdmit(
        SeqpacketSocket connection,
        RunRequest request,
        ref OwnedFd? listenerFd,
        out AppRecord? app,
        out SeccompListener? listener,
        out string? problem)
    {
        app = null;
        listener = null;
        if (listenerFd is null || !listenerFd.IsSeccompListener)
        {
            problem = "the run request came without the app's seccomp listener; the launcher and the daemon differ in version, restart the daemon";
            return false;
        }

        if (!TryValidate(request, out uint ip, out LabelSet? labels, out List<ExposeRule> expose, out problem))
        {
            return false;
        }

        string appId = _node.Apps.NewId();
        var credentials = connection.PeerCredentials();
        app = new AppRecord(
            appId,
            request.Name ?? $"<{Guid.NewGuid()}>",
            labels!,
            ip,
            request.Ip is not null,
            credentials.Pid,
            request.Command)
        {
            Expose = expose,
            SharesNodeNetwork = !request.NewNetns,
        };
        if (request.Name is not null && request.Ip is null)
        {
            app = _node.Apps.AddWithNameAddress(app);
        }
        else
        {
            _node.Apps.Add(app);
        }

        // The keeper holds the listener before the app may start; the app's first trapped call then waits
        // in the kernel until the session reads it.
        listener = new SeccompListener(listenerFd);
        listenerFd = null;
        _node.Keeper.Hold(app.Id, listener);
        return true;
    }

    /// <summary>Starts serving an admitted app, once its launcher has the answer.</summary>
    private void StartServing(AppRecord app, SeccompListener listener, string launcher)
    {
        // Saved before the session starts, so that the session's end (which removes the file and the
        // keeper's copy) always comes after. A daemon that dies in between restores this app with defaults.
        if (!_node.State.TrySaveApp(app))
        {
            Log.NotSaved(_logger, app.Id);
        }

        // Should the launcher have died before reading the answer, its listener reports the app gone and
        // the session ends at once, removing what was added.
        new AppSession(app, _node, listener).Start();
        Log.AppStarted(_logger, app.Id, app.Name, app.IpText, launcher, string.Join(' ', app.Command));
    }

    private bool TryValidate(RunRequest request, out uint ip, out LabelSet? labels, out List<ExposeRule> expose, out string? problem)
    {
        ip = _node.NodeIp;
        labels = LabelSet.Default;
        problem = null;
        if (!RunValidation.TryParseExpose(request.Expose ?? [], _node.NodeIp, out expose, out problem))
        {
            return false;
        }

        if (request.Ip is not null && !RunValidation.TryParseAppIp(request.Ip, out ip, out problem))
        {
            return false;
        }

        if (request.Name is not null && !RunValidation.TryCheckName(request.Name, out problem))
        {
            return false;
        }

        if (request.Name is not null && _node.ResolvConf is null)
        {
            problem = "--name needs the daemon's built-in DNS server, which is not running (the daemon was started with --dns=false, or could not listen; see its log); drop --name or restart the daemon with DNS";
            return false;
        }

        if (request.Labels.Count > 0 && !LabelSet.TryParse(string.Join(',', request.Labels), out labels, out problem))
        {
            return false;
        }

        if (request.Command.Count == 0)
        {
            problem = "no command was given to run";
            return false;
        }

        return true;
    }

    private static string Reply(string? appId, string? error, string? nodeIp = null, string? resolvConf = null) =>
        JsonSerializer.Serialize(new RunReply(appId, error, nodeIp, resolvConf), AxJsonContext.Default.RunReply);

    public void Dispose() => _socket.Dispose();

    private static partial class Log
    {
        [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "App {AppId} ({Name}) started on {Ip} by the {Launcher} launcher: {Command}")]
        internal static partial void AppStarted(ILogger logger, string appId, string name, string ip, string launcher, string command);

        [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "App {AppId}: could not save its description under the run directory; after a daemon restart it is served with defaults")]
        internal static partial void NotSaved(ILogger logger, string appId);

        [LoggerMessage(EventId = 304, Level = LogLevel.Warning, Message = "A native launch could not be planned ({Problem}); the launcher falls back to the full one")]
        internal static partial void PlanFailed(ILogger logger, string problem);

        [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "The control socket could not accept a connection: {Error}")]
        internal static partial void AcceptFailed(ILogger logger, string error);
    }
}
