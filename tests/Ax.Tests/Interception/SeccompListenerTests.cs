using Ax.Interception;
using Ax.Launcher;

namespace Ax.Tests.Interception;

/// <summary>Runs against a real listener: ax's filter, installed on a thread of this test that then ends.</summary>
public sealed class SeccompListenerTests
{
    [Fact]
    public void TheKernelTakesTheSynchronousWakeUp()
    {
        // SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP is Linux 6.6; before that the kernel refuses it, as it should.
        Version kernel = Environment.OSVersion.Version;
        bool supported = kernel >= new Version(6, 6);

        using SeccompListener listener = ListenerOfAFinishedThread();
        Errno result = listener.TrySetSyncWakeUp();

        Assert.Equal(supported ? Errno.None : Errno.EINVAL, result);
    }

    [Fact]
    public void Wait_ReportsIdleThenPendingThenGone_AndHasPendingSeesTheQueuedCall()
    {
        using var gate = new ManualResetEventSlim();
        int fd = -1;
        Errno installed = Errno.None;
        Errno answered = Errno.None;
        using var ready = new ManualResetEventSlim();
        var app = new Thread(() =>
        {
            installed = SeccompInstaller.TryInstall(out fd);
            ready.Set();
            if (installed != Errno.None)
            {
                return;
            }

            gate.Wait(); // a futex wait, which the filter lets through
            answered = global::Interop.Libc.Socket(global::Interop.Libc.AF_INET, global::Interop.Libc.SOCK_STREAM, 0) < 0 ? global::Interop.LastErrno() : Errno.None;
        })
        { IsBackground = true }; // a failed assertion must not leave the test host waiting for it
        app.Start();
        ready.Wait();
        Assert.Equal(Errno.None, installed);
        using var listener = new SeccompListener(new OwnedFd(fd));

        // Nothing queued: a timed wait runs out, and the zero-timeout check says no.
        Assert.Equal(ListenerState.Idle, listener.Wait(50));
        Assert.False(listener.HasPending());

        // The thread calls socket(AF_INET): queued until answered.
        gate.Set();
        Assert.Equal(ListenerState.Pending, listener.Wait(5000));
        Assert.True(listener.HasPending());
        Assert.True(listener.TryReceive(out Notification call, out _));
        Assert.Equal(global::Interop.SyscallNumbers.Socket, call.Nr);
        Assert.False(listener.HasPending()); // received, so no longer waiting to be received
        Assert.Equal(Errno.None, listener.Respond(call.Id, Outcome.Fail(Errno.EACCES)));

        app.Join();
        Assert.Equal(Errno.EACCES, answered);
        Assert.Equal(ListenerState.Gone, listener.Wait(5000)); // the only thread under the filter has ended
    }

    /// <summary>
    /// The filter applies to the installing thread only (no TSYNC), and that thread makes no further
    /// call the filter traps before it ends, so nothing waits on this listener.
    /// </summary>
    private static SeccompListener ListenerOfAFinishedThread()
    {
        int fd = -1;
        Errno error = Errno.None;
        var thread = new Thread(() => error = SeccompInstaller.TryInstall(out fd));
        thread.Start();
        thread.Join();
        Assert.Equal(Errno.None, error);
        return new SeccompListener(new OwnedFd(fd));
    }
}
