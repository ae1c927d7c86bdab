using Ax.Apps;
using Microsoft.Extensions.Logging;

namespace Ax.Interception;

/// <summary>
/// Answers one app's trapped calls. Every answer is computed from what the daemon read and did itself;
/// a call on an AF_INET socket is never answered with CONTINUE, so an app that rewrites its sockaddr
/// after the daemon read it (TOCTOU) changes nothing. Each thread that serves the app (see <see cref="AppSession"/>) has its own.
/// </summary>
internal sealed partial class SyscallHandler : IDisposable
{
    private readonly AppRecord _app;
    private readonly InterceptionContext _node;
    private readonly SeccompListener _listener;
    private readonly AppDescriptors _descriptors = new();
    private readonly ILogger _logger;

    internal SyscallHandler(AppRecord app, InterceptionContext node, SeccompListener listener, ILogger logger)
    {
        _app = app;
        _node = node;
        _listener = listener;
        _logger = logger;
    }

    /// <summary>When the current call's last timed step ended (<see cref="CallTimings"/>); 0 for untimed calls.</summary>
    internal long Mark { get; set; }

    internal Outcome Handle(in Notification call) => call.Nr switch
    {
        Interop.SyscallNumbers.Socket => HandleSocket(call),
        Interop.SyscallNumbers.Bind => WithInetSocket(call, HandleBind),
        Interop.SyscallNumbers.Listen => WithInetSocket(call, HandleListen),
        Interop.SyscallNumbers.Connect => WithInetSocket(call, HandleConnect),
        Interop.SyscallNumbers.GetSockName => WithInetSocket(call, HandleGetSockName),
        Interop.SyscallNumbers.GetPeerName => WithInetSocket(call, HandleGetPeerName),
        Interop.SyscallNumbers.SendTo => WithInetSocket(call, HandleSendTo),

        // The filter sends nothing else; answering CONTINUE keeps an unexpected call harmless.
        _ => Outcome.Continue,
    };

    private delegate Outcome InetSocketHandler(in Notification call, NodeSocket socket);

    /// <summary>
    /// Copies the app's descriptor and hands AF_INET and AF_INET6 sockets to <paramref name="handler"/>; calls
    /// on any other family (AF_UNIX, a raw socket left in the app's empty namespace, ...) run in the kernel unchanged.
    /// </summary>
    private Outcome WithInetSocket(in Notification call, InetSocketHandler handler)
    {
        Errno error = _descriptors.TryDuplicate(call.Pid, call.Fd, out OwnedFd? socket);
        if (call.Nr == Interop.SyscallNumbers.Connect)
        {
            Mark = CallTimings.Add(CallTimings.Call.Connect, CallTimings.Step.DuplicateFd, Mark);
        }

        if (error != Errno.None)
        {
            return error == Errno.ESRCH ? Outcome.Answered : Outcome.Fail(error);
        }

        using (socket)
        {
            error = SocketCalls.TryGetIntOption(socket!.Fd, Interop.Libc.SOL_SOCKET, Interop.Libc.SO_DOMAIN, out int domain);
            if (error == Errno.ENOTSOCK)
            {
                return Outcome.Fail(Errno.ENOTSOCK);
            }

            if (error != Errno.None || domain is not (Interop.Libc.AF_INET or Interop.Libc.AF_INET6))
            {
                return Outcome.Continue;
            }

            // Only stream and datagram sockets are node sockets (HandleSocket); any other type was made in
            // the app's own empty namespace, where the kernel may run the call as it is.
            SocketCalls.TryGetIntOption(socket.Fd, Interop.Libc.SOL_SOCKET, Interop.Libc.SO_TYPE, out int type);
            if (type is not (Interop.Libc.SOCK_STREAM or Interop.Libc.SOCK_DGRAM))
            {
                return Outcome.Continue;
            }

            return handler(call, new NodeSocket(socket, domain, type));
        }
    }

    public void Dispose() => _descriptors.Dispose();
}
