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
    private readonly AppLifecycle _apps;
    private readonly uint _nodeIp;
    private readonly string? _resolvConf;
    private readonly ILogger _logger;
    private readonly NamespacePool? _namespaces;
    private readonly Func<uint, bool>? _isClusterNode;

    /// <param name="socket">The listening control socket.</param>
    /// <param name="apps">Takes each admitted app from here on.</param>
    /// <param name="nodeIp">The node's address, an app's IP when it has none of its own.</param>
    /// <param name="resolvConf">The resolv.conf apps get with --dns-override; null when the DNS server is not running.</param>
    /// <param name="logger">The control socket's logger.</param>
    /// <param name="namespaces">Ready network namespaces for apps, if the daemon keeps some.</param>
    /// <param name="isClusterNode">Whether an address is a node of this cluster (null on a lone node), for --expose internal:NODE-IP:port.</param>
    internal ControlServer(SeqpacketSocket socket, AppLifecycle apps, uint nodeIp, string? resolvConf, ILogger logger, NamespacePool? namespaces = null, Func<uint, bool>? isClusterNode = null)
    {
        _isClusterNode = isClusterNode;
        _socket = socket;
        _apps = apps;
        _nodeIp = nodeIp;
        _resolvConf = resolvConf;
        _namespaces = namespaces;
        _logger = logger;
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
            string reply = Reply(app!.Id, null, Ipv4Endpoint.FormatAddress(_nodeIp), _resolvConf);
            connection.TrySend(reply, readyNamespace?.Fd ?? -1);
        }

        _apps.StartServing(app, listener!, "full");
    }

    /// <summary>
    /// Checks the request and hands the app to <see cref="AppLifecycle.Admit"/>; the caller then answers
    /// the launcher and calls <see cref="AppLifecycle.StartServing"/>. False with the reason for the launcher when the app
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

        var credentials = connection.PeerCredentials();
        if (credentials.Pid == 0)
        {
            // SO_PEERCRED gives the pid as the daemon's PID namespace numbers it, 0 for a process that
            // namespace cannot see (socket(7), cred_to_ucred in net/core/sock.c); seccomp notifications
            // would carry 0 too, and the daemon could read none of the app's memory.
            problem = "the app runs outside the daemon's PID namespace, where the daemon cannot see it: run the daemon with the host's PID namespace (pid: host in a compose file, --pid=host for podman or docker), or start the app inside the daemon's container";
            return false;
        }

        var draft = new AppRecord(
            string.Empty,
            request.Name ?? $"<{Guid.NewGuid()}>",
            labels!,
            ip,
            request.Ip is not null,
            credentials.Pid,
            request.Command)
        {
            Expose = expose,
            SharesNodeNetwork = !request.NewNetns,
            KeepsHostResolver = request.KeepHostResolver,
        };
        (app, listener) = _apps.Admit(draft, listenerFd, madeUpAddress: request.Name is not null && request.Ip is null);
        listenerFd = null;
        return true;
    }

    private bool TryValidate(RunRequest request, out uint ip, out LabelSet? labels, out List<ExposeRule> expose, out string? problem)
    {
        ip = _nodeIp;
        labels = LabelSet.Default;
        problem = null;
        if (!RunValidation.TryParseExpose(request.Expose ?? [], _nodeIp, out expose, out problem, _isClusterNode))
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

        if (request.Name is not null && _resolvConf is null)
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
        [LoggerMessage(EventId = 304, Level = LogLevel.Warning, Message = "A native launch could not be planned ({Problem}); the launcher falls back to the full one")]
        internal static partial void PlanFailed(ILogger logger, string problem);

        [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "The control socket could not accept a connection: {Error}")]
        internal static partial void AcceptFailed(ILogger logger, string error);
    }
}
