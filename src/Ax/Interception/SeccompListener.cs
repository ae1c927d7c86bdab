using static Interop.Seccomp;

namespace Ax.Interception;

/// <summary>The daemon's end of one app's seccomp filter: receive, validate, inject, answer.</summary>
internal sealed unsafe class SeccompListener : IDisposable
{
    internal SeccompListener(OwnedFd fd) => Handle = fd;

    internal OwnedFd Handle { get; }

    internal int Fd => Handle.Fd;

    /// <summary>
    /// Asks the kernel to wake the app on the daemon's CPU when it is answered (Linux 6.6,
    /// SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP). Older kernels refuse it; everything still works, only slower.
    /// The flags are the ioctl's argument itself (the kernel reads no memory for this request).
    /// </summary>
    internal Errno TrySetSyncWakeUp() =>
        Interop.Libc.IoctlValue(Fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, (nuint)SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) == 0
            ? Errno.None
            : Interop.LastErrno();

    /// <summary>
    /// Waits until a notification is pending or the app is gone (all its tasks exited); with a time limit
    /// (milliseconds, -1 for none), <see cref="ListenerState.Idle"/> when it runs out first.
    /// </summary>
    internal ListenerState Wait(int timeoutMs = -1)
    {
        while (true)
        {
            var poll = new Interop.Libc.PollFd { Fd = Fd, Events = Interop.Libc.POLLIN };
            long ready = timeoutMs < 0
                ? Interop.RetryOnEintr((nint)(&poll), static p => Interop.Libc.Poll((Interop.Libc.PollFd*)p, 1, -1))
                : Interop.Libc.Poll(&poll, 1, timeoutMs);
            if (ready == 0)
            {
                return ListenerState.Idle;
            }

            if (ready < 0)
            {
                // A timed wait that a signal cut short counts as idle; its caller decides whether to wait again.
                return timeoutMs >= 0 && Interop.LastErrno() == Errno.EINTR ? ListenerState.Idle : ListenerState.Gone;
            }

            if ((poll.REvents & Interop.Libc.POLLIN) != 0)
            {
                return ListenerState.Pending;
            }

            if ((poll.REvents & (Interop.Libc.POLLHUP | Interop.Libc.POLLERR | Interop.Libc.POLLNVAL)) != 0)
            {
                return ListenerState.Gone;
            }
        }
    }

    /// <summary>True when a notification is waiting to be received right now (a poll that does not wait).</summary>
    internal bool HasPending() => Wait(timeoutMs: 0) == ListenerState.Pending;

    /// <summary>Receives one notification; false when it vanished first (the caller was interrupted or killed).</summary>
    internal bool TryReceive(out Notification notification, out Errno error)
    {
        SeccompNotif raw = default; // the kernel insists on a zeroed buffer
        if (Interop.Libc.Ioctl(Fd, SECCOMP_IOCTL_NOTIF_RECV, &raw) != 0)
        {
            error = Interop.LastErrno();
            notification = default;
            return false;
        }

        error = Errno.None;
        notification = new Notification(raw.Id, (int)raw.Pid, raw.Data.Nr, raw.Data.Args[0], raw.Data.Args[1], raw.Data.Args[2], raw.Data.Args[3], raw.Data.Args[4], raw.Data.Args[5]);
        return true;
    }

    /// <summary>
    /// True while the notification is still pending. Checked after reading the app's memory and before
    /// acting on it: if the app died, its pid may already name another process (seccomp_unotify(2)).
    /// </summary>
    internal bool IsValid(ulong id) => Interop.Libc.Ioctl(Fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;

    internal Errno Respond(ulong id, in Outcome outcome)
    {
        var response = outcome.Kind switch
        {
            OutcomeKind.Continue => new SeccompNotifResp { Id = id, Flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE },
            OutcomeKind.Error => new SeccompNotifResp { Id = id, Error = -(int)outcome.Error },
            _ => new SeccompNotifResp { Id = id, Val = outcome.Value },
        };
        return Interop.Libc.Ioctl(Fd, SECCOMP_IOCTL_NOTIF_SEND, &response) == 0 ? Errno.None : Interop.LastErrno();
    }

    /// <summary>
    /// Installs <paramref name="sourceFd"/> in the app and answers the call with the new descriptor number,
    /// atomically (SECCOMP_ADDFD_FLAG_SEND, Linux 5.14): no descriptor leaks if the app is interrupted.
    /// </summary>
    internal long AddFdAndAnswer(ulong id, int sourceFd, bool closeOnExec)
    {
        var addfd = new SeccompNotifAddfd
        {
            Id = id,
            Flags = SECCOMP_ADDFD_FLAG_SEND,
            SrcFd = (uint)sourceFd,
            NewFdFlags = closeOnExec ? (uint)Interop.Libc.O_CLOEXEC : 0,
        };
        int result = Interop.Libc.Ioctl(Fd, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd);
        return result >= 0 ? result : -(long)Interop.LastErrno();
    }

    public void Dispose() => Handle.Dispose();
}
