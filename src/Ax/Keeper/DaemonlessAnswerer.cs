using Ax.Interception;

namespace Ax.Keeper;

/// <summary>
/// Answers an app's trapped calls when no daemon will: after the restart grace has passed without a
/// daemon, or for good once a --clean daemon has disowned the app. The answers never pretend the network
/// is there and never leave AF_INET or AF_INET6 to the kernel (that would reach the app's empty namespace, or with
/// --new-netns=false the real network, unchecked):
/// socket, bind, listen and connect fail with ENETDOWN ("network is down"), which apps already treat as
/// a passing network failure and retry; getsockname/getpeername and every call on another family's socket
/// run in the kernel (CONTINUE), because they carry no address the kernel could misuse.
/// </summary>
internal sealed class DaemonlessAnswerer : IDisposable
{
    internal const Errno NetworkDown = Errno.ENETDOWN;

    private readonly SeccompListener _listener;
    private readonly AppDescriptors _descriptors = new();

    internal DaemonlessAnswerer(SeccompListener listener) => _listener = listener;

    /// <summary>Receives and answers one pending call, if one is still there.</summary>
    internal void AnswerOne()
    {
        if (!_listener.TryReceive(out Notification call, out _))
        {
            return; // ENOENT: the caller was interrupted between poll and receive
        }

        _listener.Respond(call.Id, Decide(call));
    }

    private Outcome Decide(in Notification call)
    {
        switch (call.Nr)
        {
            case Interop.SyscallNumbers.Socket:
                // The filter only sends socket(AF_INET or AF_INET6, ...).
                return Outcome.Fail(NetworkDown);
            case Interop.SyscallNumbers.GetSockName:
            case Interop.SyscallNumbers.GetPeerName:
                return Outcome.Continue;
            case Interop.SyscallNumbers.Bind:
            case Interop.SyscallNumbers.Listen:
            case Interop.SyscallNumbers.Connect:
                break;
            default:
                return Outcome.Continue;
        }

        Errno error = _descriptors.TryDuplicate(call.Pid, call.Fd, out OwnedFd? socket);
        if (error != Errno.None)
        {
            return Outcome.Fail(error == Errno.ESRCH ? NetworkDown : error);
        }

        using (socket)
        {
            error = SocketCalls.TryGetIntOption(socket!.Fd, Interop.Libc.SOL_SOCKET, Interop.Libc.SO_DOMAIN, out int domain);
            if (error == Errno.ENOTSOCK)
            {
                return Outcome.Fail(Errno.ENOTSOCK);
            }

            return error == Errno.None && domain is not (Interop.Libc.AF_INET or Interop.Libc.AF_INET6) ? Outcome.Continue : Outcome.Fail(NetworkDown);
        }
    }

    public void Dispose() => _descriptors.Dispose();
}
