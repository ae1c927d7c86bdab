using System.Text.Json;
using Ax.Addressing;
using Ax.Apps;
using Ax.Contracts;
using Ax.Interception;
using Ax.Policy;
using Microsoft.Extensions.Logging;

namespace Ax.Control;

/// <summary>
/// The daemon's control socket (run-dir/ax.sock). <c>ax run</c> introduces its app here, then passes
/// the seccomp listener of the filter it installed; from that message on, the daemon serves the app.
/// </summary>
internal sealed partial class ControlServer : IDisposable
{
    internal const string ListenerMessage = "listener";
    internal const string ReadyMessage = "ready";
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    private readonly SeqpacketSocket _socket;
    private readonly NodeContext _node;
    private readonly ILogger _logger;

    internal ControlServer(SeqpacketSocket socket, NodeContext node)
    {
        _socket = socket;
        _node = node;
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
                var worker = new Thread(() => Serve(connection!)) { IsBackground = true, Name = "ax-control-run" };
                worker.Start();
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

    private void Handshake(SeqpacketSocket connection)
    {
        if (connection.TryReceive(out string text, out OwnedFd? stray) != Errno.None)
        {
            stray?.Dispose();
            return;
        }

        stray?.Dispose();
        RunRequest? request = JsonSerializer.Deserialize(text, AxJsonContext.Default.RunRequest);
        if (request is null)
        {
            connection.TrySend(Reply(null, "the run request was empty"));
            return;
        }

        if (!TryValidate(request, out uint ip, out LabelSet? labels, out List<ExposeRule> expose, out string? problem))
        {
            connection.TrySend(Reply(null, problem));
            return;
        }

        string appId = _node.Apps.NewId();
        if (connection.TrySend(Reply(appId, null, Ipv4Endpoint.FormatAddress(_node.NodeIp), _node.ResolvConf)) != Errno.None)
        {
            return;
        }

        // The launcher now unshares, installs its filter and sends the listener.
        Errno error = connection.TryReceive(out string message, out OwnedFd? listenerFd);
        if (error != Errno.None || message != ListenerMessage || listenerFd is null)
        {
            listenerFd?.Dispose();
            return;
        }

        var credentials = connection.PeerCredentials();
        var app = new AppRecord(
            appId,
            request.Name ?? $"<{Guid.NewGuid()}>",
            labels!,
            ip,
            request.Ip is not null,
            credentials.Pid,
            request.Command)
        {
            Expose = expose,
        };
        var listener = new SeccompListener(listenerFd);
        if (request.Name is not null && request.Ip is null)
        {
            app = _node.Apps.AddWithNameAddress(app);
        }
        else
        {
            _node.Apps.Add(app);
        }

        // Saved and handed to the keeper before the session starts, so that the session's end (which
        // removes both) always comes after.
        if (!_node.State.TrySaveApp(app))
        {
            Log.NotSaved(_logger, app.Id);
        }

        _node.Keeper.Hold(app.Id, listener);
        new AppSession(app, _node, listener).Start();
        Log.AppStarted(_logger, app.Id, app.Name, app.IpText, string.Join(' ', app.Command));
        connection.TrySend(ReadyMessage);
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
        [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "App {AppId} ({Name}) started on {Ip}: {Command}")]
        internal static partial void AppStarted(ILogger logger, string appId, string name, string ip, string command);

        [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "App {AppId}: could not save its description under the run directory; after a daemon restart it is served with defaults")]
        internal static partial void NotSaved(ILogger logger, string appId);

        [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "The control socket could not accept a connection: {Error}")]
        internal static partial void AcceptFailed(ILogger logger, string error);
    }
}
