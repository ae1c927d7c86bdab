namespace Ax.Interception;

internal sealed partial class SyscallHandler
{
    /// <summary>
    /// socket(AF_INET or AF_INET6, ...): stream and datagram sockets are created by the daemon, in the node's
    /// network namespace, and installed in the app at once. The app holds a real node socket from its first
    /// instruction on, so every option, flag and epoll registration it makes lands on the right socket.
    /// Raw and other types stay in the app's empty namespace, where they can reach nothing.
    /// </summary>
    private Outcome HandleSocket(in Notification call)
    {
        int domain = unchecked((int)call.Arg0);
        int type = unchecked((int)call.Arg1);
        int protocol = unchecked((int)call.Arg2);
        int baseType = type & Interop.Libc.SOCK_TYPE_MASK;
        if (baseType != Interop.Libc.SOCK_STREAM && baseType != Interop.Libc.SOCK_DGRAM)
        {
            return Outcome.Continue;
        }

        if (domain is not (Interop.Libc.AF_INET or Interop.Libc.AF_INET6))
        {
            return Outcome.Continue;
        }

        int fd = Interop.Libc.Socket(domain, type | Interop.Libc.SOCK_CLOEXEC, protocol);
        if (fd < 0)
        {
            return Outcome.Fail(Interop.LastErrno());
        }

        Mark = CallTimings.Add(CallTimings.Call.Socket, CallTimings.Step.KernelCall, Mark);
        using var socket = new OwnedFd(fd);
        // The guard's programs (Guard/GuardMaps.cs) know app sockets by this entry, which nothing but
        // the daemon can add or remove: one bpf(2) call per socket.
        if (_node.GuardMaps?.MarkAppSocket(fd) is { } markError && markError != Errno.None)
        {
            return Outcome.Fail(markError);
        }

        long installed = _listener.AddFdAndAnswer(call.Id, fd, (type & Interop.Libc.SOCK_CLOEXEC) != 0);
        Mark = CallTimings.Add(CallTimings.Call.Socket, CallTimings.Step.Answer, Mark);
        if (installed >= 0)
        {
            return Outcome.Answered;
        }

        // ENOENT: the app went away or was interrupted; the kernel will ask again if it restarts the call.
        var error = (Errno)(-installed);
        return error == Errno.ENOENT ? Outcome.Answered : Outcome.Fail(error);
    }
}
