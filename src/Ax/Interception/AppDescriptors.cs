namespace Ax.Interception;

/// <summary>
/// Copies an app's descriptor into the daemon with pidfd_getfd(2) (Linux 5.6). The copy shares the
/// app's open file: a socket option, O_NONBLOCK or a connect on it is the app's too. pidfds are kept
/// per thread, because the kernel reports the calling thread and a pidfd refers to one task for its
/// whole life (a stale one fails with ESRCH and is replaced).
/// </summary>
internal sealed class AppDescriptors : IDisposable
{
    // PIDFD_THREAD (Linux 6.9) is O_EXCL: a pidfd for a thread, not only a thread-group leader.
    private const long PidfdThread = 0x80;
    private const int MaxCachedThreads = 256;

    private readonly Dictionary<int, OwnedFd> _pidfds = [];

    /// <summary>Returns the daemon's copy of the app's <paramref name="fd"/>, or an errno to answer with.</summary>
    internal Errno TryDuplicate(int tid, int fd, out OwnedFd? copy)
    {
        copy = null;
        for (int attempt = 0; attempt < 2; attempt++)
        {
            Errno error = GetPidfd(tid, out OwnedFd? pidfd);
            if (error != Errno.None)
            {
                return error;
            }

            long result = Interop.Libc.Syscall3(Interop.SyscallNumbers.PidfdGetfd, pidfd!.Fd, fd, 0);
            if (result >= 0)
            {
                copy = new OwnedFd((int)result);
                return Errno.None;
            }

            error = Interop.LastErrno();
            if (error != Errno.ESRCH || attempt > 0)
            {
                // EBADF: no such descriptor in the app, as the kernel would have said itself.
                return error;
            }

            Forget(tid);
        }

        return Errno.ESRCH;
    }

    private Errno GetPidfd(int tid, out OwnedFd? pidfd)
    {
        if (_pidfds.TryGetValue(tid, out pidfd))
        {
            return Errno.None;
        }

        long result = Interop.Libc.Syscall2(Interop.SyscallNumbers.PidfdOpen, tid, PidfdThread);
        if (result < 0 && Interop.LastErrno() == Errno.EINVAL)
        {
            result = Interop.Libc.Syscall2(Interop.SyscallNumbers.PidfdOpen, tid, 0);
        }

        if (result < 0)
        {
            return Interop.LastErrno();
        }

        if (_pidfds.Count >= MaxCachedThreads)
        {
            Clear();
        }

        pidfd = new OwnedFd((int)result);
        _pidfds[tid] = pidfd;
        return Errno.None;
    }

    private void Forget(int tid)
    {
        if (_pidfds.Remove(tid, out OwnedFd? stale))
        {
            stale.Dispose();
        }
    }

    private void Clear()
    {
        foreach (OwnedFd pidfd in _pidfds.Values)
        {
            pidfd.Dispose();
        }

        _pidfds.Clear();
    }

    public void Dispose() => Clear();
}
