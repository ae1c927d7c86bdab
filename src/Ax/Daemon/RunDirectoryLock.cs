using Ax.Cli;
using Ax.Interception;

namespace Ax.Daemon;

/// <summary>One daemon per run directory: an exclusive flock on run-dir/ax.lock held for the daemon's life.</summary>
internal sealed class RunDirectoryLock : IDisposable
{
    private readonly OwnedFd _fd;

    private RunDirectoryLock(OwnedFd fd) => _fd = fd;

    internal static RunDirectoryLock Acquire(string runDir)
    {
        string path = Path.Combine(runDir, "ax.lock");
        int fd = Interop.Libc.Open(path, 0x40 /* O_CREAT */ | 0x2 /* O_RDWR */ | Interop.Libc.O_CLOEXEC, 0x180 /* 0600 */);
        if (fd < 0)
        {
            throw new CliException($"cannot open {path} ({Interop.LastErrno()}); check that the run directory is writable");
        }

        var owned = new OwnedFd(fd);
        if (Interop.Libc.Flock(fd, Interop.Libc.LOCK_EX | Interop.Libc.LOCK_NB) != 0)
        {
            owned.Dispose();
            string holder = File.Exists(Path.Combine(runDir, "ax.pid")) ? File.ReadAllText(Path.Combine(runDir, "ax.pid")).Trim() : "unknown";
            throw new CliException($"another ax daemon (pid {holder}) is already using {runDir}; stop it first, or give this one its own --run-dir");
        }

        File.WriteAllText(Path.Combine(runDir, "ax.pid"), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return new RunDirectoryLock(owned);
    }

    public void Dispose() => _fd.Dispose();
}
