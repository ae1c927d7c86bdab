using System.Buffers.Binary;
using Ax.Guard;
using Ax.Interception;
using Microsoft.Extensions.Logging;
using static Interop.Bpf;

namespace Ax.ServiceTable;

/// <summary>
/// Counts, in the kernel, the closes that can end a service: the last close of an app's TCP listener
/// or UDP socket (<see cref="SocketReleaseProgram"/>, attached to this daemon's cgroup). The listener
/// sweep asks the kernel for its live sockets only after the count moved, instead of four times a
/// second whatever happens: each ask walks the kernel's listening hash of the whole machine, which was
/// the largest part of an idle daemon's CPU in a 10-node cluster (perf: tcp_diag_dump, 31% of the
/// samples; BENCHMARKS.md, "The cluster"). Reading the count is one bpf(2) call.
/// <para>
/// The attachment is this process's and goes with it. Where the kernel lacks what it needs (cgroup
/// v2, socket storage in cgroup sock programs), the daemon logs one line and sweeps on the clock alone.
/// </para>
/// </summary>
internal sealed partial class SocketReleaseWatch : IDisposable
{
    private const string ProgramName = "ax_sock_release";

    private readonly OwnedFd _counter;
    private readonly OwnedFd _link;

    private SocketReleaseWatch(OwnedFd counter, OwnedFd link)
    {
        _counter = counter;
        _link = link;
    }

    /// <summary>
    /// Loads and attaches the program. Null, having logged why, where the kernel cannot run it or the
    /// guard that marks app sockets is not running.
    /// </summary>
    internal static SocketReleaseWatch? Start(SocketGuard? guard, ILogger logger)
    {
        string? problem = TryStart(guard, out SocketReleaseWatch? watch);
        if (problem is not null)
        {
            Log.Unavailable(logger, problem);
        }

        return watch;
    }

    /// <summary>How many app listeners and UDP sockets have been closed since the watch started; null if the kernel would not say.</summary>
    internal ulong? Releases
    {
        get
        {
            Span<byte> key = stackalloc byte[4];
            Span<byte> value = stackalloc byte[8];
            key.Clear();
            return BpfSyscall.TryLookup(_counter, key, value) == Errno.None ? BinaryPrimitives.ReadUInt64LittleEndian(value) : null;
        }
    }

    public void Dispose()
    {
        _link.Dispose();
        _counter.Dispose();
    }

    private static string? TryStart(SocketGuard? guard, out SocketReleaseWatch? watch)
    {
        watch = null;
        if (guard is null)
        {
            return "the guard that marks app sockets is not running";
        }

        Errno error = BpfSyscall.TryCreateMap(new MapCreateAttr { MapType = BPF_MAP_TYPE_ARRAY, KeySize = 4, ValueSize = 8, MaxEntries = 1 }, "ax_releases", out OwnedFd? counter);
        if (error != Errno.None)
        {
            return $"cannot create a BPF map ({error})";
        }

        try
        {
            error = BpfSyscall.TryLoadSockProgram(ProgramName, SocketReleaseProgram.Build(guard.Maps.Marker.Fd, counter!.Fd), BPF_CGROUP_INET_SOCK_RELEASE, out OwnedFd? program, out string verifierLog);
            if (error != Errno.None)
            {
                return $"the kernel refused the {ProgramName} program ({error}); it needs Linux 5.10; verifier: {(verifierLog.Length == 0 ? "(no message)" : verifierLog)}";
            }

            using (program)
            {
                // The guard's cgroup: where every app socket is, already open.
                error = BpfSyscall.TryLinkCgroup(program!, guard.Cgroup, BPF_CGROUP_INET_SOCK_RELEASE, out OwnedFd? link);
                if (error != Errno.None)
                {
                    return $"cannot attach the {ProgramName} program to this daemon's cgroup ({error})";
                }

                watch = new SocketReleaseWatch(counter, link!);
                counter = null;
                return null;
            }
        }
        finally
        {
            counter?.Dispose();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 202, Level = LogLevel.Information, Message = "Closed services are found by polling the kernel's socket list 4 times a second: {Reason}")]
        internal static partial void Unavailable(ILogger logger, string reason);
    }
}
