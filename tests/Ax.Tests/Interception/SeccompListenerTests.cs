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
