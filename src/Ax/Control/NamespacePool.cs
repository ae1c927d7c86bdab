using System.Collections.Concurrent;
using Ax.Interception;
using Ax.Launcher;
using Microsoft.Extensions.Logging;

namespace Ax.Control;

/// <summary>
/// Empty network namespaces made ahead of time, each with its loopback up, for <c>ax run</c> to enter
/// with setns(2) instead of making one with unshare(2). Making a namespace costs the kernel about
/// 0.6-1.2 ms on this class of machine (perf: copy_net_ns, most of it registering lo), which every
/// `ax run` paid on its start-up path; entering a ready one costs microseconds. See BENCHMARKS.md,
/// "launch overhead".
/// </summary>
/// <remarks>
/// One dedicated thread makes them: unshare(CLONE_NEWNET) moves only the calling thread, so the thread
/// leaves the daemon's namespace for good and does nothing else. A namespace lives as long as a
/// descriptor of it does; the launcher receives one and the pool closes its own.
/// </remarks>
internal sealed partial class NamespacePool : IDisposable
{
    /// <summary>How many namespaces wait ready: a burst of launches larger than this makes its own.</summary>
    internal const int Capacity = 8;

    /// <summary>How long after a take the refill starts: longer than a launch takes.</summary>
    private static readonly TimeSpan RefillDelay = TimeSpan.FromMilliseconds(10);

    private readonly ConcurrentQueue<OwnedFd> _ready = new();
    private readonly SemaphoreSlim _taken = new(0);
    private readonly ILogger _logger;
    private volatile bool _disposed;

    internal NamespacePool(ILogger logger) => _logger = logger;

    internal void Start() => new Thread(Fill) { IsBackground = true, Name = "ax-netns-pool" }.Start();

    /// <summary>A ready namespace for the caller to pass on and dispose, or null when none is ready.</summary>
    internal OwnedFd? TryTake()
    {
        if (!_ready.TryDequeue(out OwnedFd? namespaceFd))
        {
            return null;
        }

        _taken.Release();
        return namespaceFd;
    }

    private unsafe void Fill()
    {
        // Making a namespace takes the kernel most of a millisecond of CPU, in stretches it does not give
        // up the CPU (this kernel does not preempt kernel code). SCHED_IDLE keeps this thread off a busy
        // CPU; but a CPU running it counts as idle, so the scheduler wakes the launcher there, and the
        // launcher waited for the unshare to finish: ~0.5 ms of every launch when the refill began at the
        // take (perf trace of `ax run -- true`). So the refill waits until the launch that took the
        // namespace is done, and the pool is deep enough for the launches of a burst meanwhile.
        var idle = default(Interop.Libc.SchedParam);
        Interop.Libc.SchedSetScheduler(0, Interop.Libc.SCHED_IDLE, &idle);

        while (!_disposed)
        {
            while (_ready.Count < Capacity && !_disposed)
            {
                OwnedFd? made = TryMake();
                if (made is null)
                {
                    return; // logged; launchers make their own namespaces, as without the pool
                }

                _ready.Enqueue(made);
            }

            _taken.Wait();
            Thread.Sleep(RefillDelay);
            while (_taken.CurrentCount > 0)
            {
                _taken.Wait(); // one refill pass makes up for every take so far
            }
        }
    }

    private OwnedFd? TryMake()
    {
        if (Interop.Libc.Unshare(Interop.Libc.CLONE_NEWNET) != 0)
        {
            Log.Unavailable(_logger, "unshare", Interop.LastErrno().ToString());
            return null;
        }

        Errno error = InterfaceFlags.TryBringUp("lo");
        if (error != Errno.None)
        {
            Log.Unavailable(_logger, "bringing up lo", error.ToString());
            return null;
        }

        int fd = Interop.Libc.Open("/proc/thread-self/ns/net", Interop.Libc.O_RDONLY | Interop.Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            Log.Unavailable(_logger, "opening /proc/thread-self/ns/net", Interop.LastErrno().ToString());
            return null;
        }

        return new OwnedFd(fd);
    }

    public void Dispose()
    {
        _disposed = true;
        _taken.Release();
        while (_ready.TryDequeue(out OwnedFd? namespaceFd))
        {
            namespaceFd.Dispose();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 303, Level = LogLevel.Warning, Message = "No network namespaces are made ahead of time ({Step} failed: {Error}); each ax run makes its own")]
        internal static partial void Unavailable(ILogger logger, string step, string error);
    }
}
