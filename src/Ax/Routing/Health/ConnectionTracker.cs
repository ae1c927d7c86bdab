using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using Ax.Addressing;
using Ax.Guard;
using Ax.Interception;
using Microsoft.Extensions.Logging;
using static Interop.Bpf;

namespace Ax.Routing.Health;

/// <summary>
/// The kernel's count of this node's apps' connections per server, for least_request, max_connections
/// and outlier ejection (<see cref="IConnectionCounts"/>): the daemon neither traps close() nor sees how a
/// non-blocking connect ends, but the TCP stack does. A sock_ops program (<see cref="ConnectionTrackerProgram"/>)
/// attached to the daemon's cgroup, where every app socket is (the daemon makes them), counts the sockets
/// <see cref="Track"/> marked as they become established, leave ESTABLISHED, or fail to connect.
/// <para>
/// Why a slot per server in an mmapped array, not a hash map keyed by the server: <see cref="Read"/> is on
/// the connect path of every counted connect, once per candidate for least_request. A BPF_MAP_LOOKUP_ELEM
/// is a bpf(2) syscall; the array is BPF_F_MMAPABLE, so a read is two loads from shared memory behind a
/// lock and a dictionary lookup, whatever the number of candidates. Measured by
/// ConnectionTrackerKernelTests.AReadCostsLessThanOneMapLookupSyscall (best of 3 x 200,000, on a shared
/// 2-core 6.18 VM at load average 14-18): Read 0.24-0.66 us, BPF_MAP_LOOKUP_ELEM 2.6-5.2 us, five to ten
/// times more, per candidate. The program finds the slot in the socket's own storage entry, written by
/// <see cref="Track"/> with the one bpf(2) call tracking costs; it never looks the server up, so the
/// server is the one the daemon names (node-ip:pool-port), even where the socket itself connects
/// elsewhere (a local server reached at loopback).
/// </para>
/// <para>
/// Slots are this class's to hand out and take back. A server the table lost is passed to
/// <see cref="Forget"/>; its slot is freed once it has no open connection and no connect to it can still
/// be in flight, <see cref="Quarantine"/> after the Forget (longer than the kernel retries a SYN with the
/// default tcp_syn_retries, 6: 127 s), so that a late SYN_SENT failure or establishment never lands on
/// the slot's next server. A server tracked again before then keeps its slot and counts. The array has
/// <see cref="DefaultCapacity"/> slots; when all are taken and none is due, <see cref="Track"/> returns
/// false and that connect goes uncounted.
/// </para>
/// <para>
/// The program and maps are this daemon's: they go when it exits, and a new daemon starts every count at
/// zero (connections made before it are not counted, nor are their closes). Where the kernel cannot load
/// the program the daemon logs one warning and uses <see cref="NoConnectionCounts"/>.
/// </para>
/// </summary>
internal sealed unsafe partial class ConnectionTracker : IConnectionCounts, IDisposable
{
    /// <summary>Servers counted at once: 64 Ki slots, 512 KiB of kernel memory.</summary>
    internal const int DefaultCapacity = 65536;

    /// <summary>How long a forgotten server keeps its slot: past any connect to it still trying (tcp_syn_retries 6 gives up after 127 s).</summary>
    internal static readonly TimeSpan Quarantine = TimeSpan.FromMinutes(3);

    private readonly OwnedFd _btf;
    private readonly OwnedFd _sockets;
    private readonly OwnedFd _counts;
    private readonly OwnedFd _link;
    private readonly uint* _values;
    private readonly nuint _mappedLength;
    private readonly int _capacity;
    private readonly TimeSpan _quarantine;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<Ipv4Endpoint, int> _slots = [];
    private readonly Dictionary<Ipv4Endpoint, long> _forgotten = [];
    private readonly Stack<int> _free = new();
    private int _neverUsed;
    private int _failures;
    private bool _disposed;

    private ConnectionTracker(OwnedFd btf, OwnedFd sockets, OwnedFd counts, OwnedFd link, uint* values, nuint mappedLength, int capacity, TimeSpan quarantine, TimeProvider time, ILogger logger)
    {
        _btf = btf;
        _sockets = sockets;
        _counts = counts;
        _link = link;
        _values = values;
        _mappedLength = mappedLength;
        _capacity = capacity;
        _quarantine = quarantine;
        _time = time;
        _logger = logger;
    }

    /// <summary>Servers holding a slot now (counted, or forgotten and not yet freed).</summary>
    internal int TrackedServers
    {
        get
        {
            lock (_lock)
            {
                return _slots.Count;
            }
        }
    }

    /// <summary>
    /// Loads the program and attaches it to this daemon's cgroup (found as the guard finds it, under
    /// <paramref name="runDir"/>); null, after one warning, where the kernel cannot.
    /// </summary>
    internal static ConnectionTracker? Start(string runDir, ILogger logger)
    {
        if (!CgroupDirectory.TryOpen(Path.Combine(runDir, "cgroup2"), out OwnedFd? cgroup, out string? problem))
        {
            Log.Unavailable(logger, $"cannot find this daemon's cgroup v2 directory: {problem}");
            return null;
        }

        using (cgroup)
        {
            ConnectionTracker? tracker = TryStart(cgroup, DefaultCapacity, Quarantine, TimeProvider.System, logger, out problem);
            if (tracker is null)
            {
                Log.Unavailable(logger, problem!);
                return null;
            }

            Log.Started(logger, DefaultCapacity);
            return tracker;
        }
    }

    /// <summary>The tracker on <paramref name="cgroup"/>; null with the reason where the kernel refuses. Also used by tests, on their own cgroup.</summary>
    internal static ConnectionTracker? TryStart(OwnedFd cgroup, int capacity, TimeSpan quarantine, TimeProvider time, ILogger logger, [NotNullWhen(false)] out string? problem)
    {
        OwnedFd? btf = null;
        OwnedFd? sockets = null;
        OwnedFd? counts = null;
        OwnedFd? link = null;
        void* mapped = null;
        nuint length = (nuint)(((((long)capacity * ConnectionTrackerProgram.CountsValueSize) + Environment.SystemPageSize - 1) / Environment.SystemPageSize) * Environment.SystemPageSize);
        try
        {
            Errno error = BpfSyscall.TryLoadBtf(TrackedSocketBtf.Build(), out btf);
            if (error != Errno.None)
            {
                problem = $"the kernel refused the BTF of the tracked-socket map ({error})";
                return null;
            }

            error = BpfSyscall.TryCreateSocketStorageMap("ax_conn_socks", btf!, TrackedSocketBtf.U32TypeId, ConnectionTrackerProgram.SocketValueSize, TrackedSocketBtf.TwoU32TypeId, out sockets);
            if (error != Errno.None)
            {
                problem = $"cannot create a socket storage map ({error}); it needs Linux 5.2 with CONFIG_BPF_SYSCALL";
                return null;
            }

            var attr = new MapCreateAttr
            {
                MapType = BPF_MAP_TYPE_ARRAY,
                KeySize = sizeof(uint),
                ValueSize = ConnectionTrackerProgram.CountsValueSize,
                MaxEntries = (uint)capacity,
                MapFlags = BPF_F_MMAPABLE,
            };
            error = BpfSyscall.TryCreateMap(attr, "ax_conn_counts", out counts);
            if (error != Errno.None)
            {
                problem = $"cannot create an mmapable array map ({error}); it needs Linux 5.5";
                return null;
            }

            // The array's values, contiguous and 8-byte aligned (array_map_mmap, kernel/bpf/arraymap.c);
            // writable so that a freed slot can be zeroed for its next server.
            mapped = Interop.Libc.Mmap(null, length, Interop.Libc.PROT_READ | Interop.Libc.PROT_WRITE, Interop.Libc.MAP_SHARED, counts!.Fd, 0);
            if (mapped == (void*)-1)
            {
                mapped = null;
                problem = $"cannot map the counts array ({Interop.LastErrno()})";
                return null;
            }

            BpfInsn[] instructions = ConnectionTrackerProgram.Build(sockets!.Fd, counts.Fd);
            error = BpfSyscall.TryLoadSockOpsProgram("ax_conn_track", instructions, out OwnedFd? program, out string verifierLog);
            if (error != Errno.None)
            {
                problem = $"the kernel refused the ax_conn_track program ({error}); verifier: {(verifierLog.Length == 0 ? "(no message)" : verifierLog)}";
                return null;
            }

            using (program)
            {
                error = BpfSyscall.TryLinkCgroup(program!, cgroup, BPF_CGROUP_SOCK_OPS, out link);
                if (error != Errno.None)
                {
                    problem = $"cannot attach the ax_conn_track program to the cgroup ({error})";
                    return null;
                }
            }

            var tracker = new ConnectionTracker(btf!, sockets, counts, link!, (uint*)mapped, length, capacity, quarantine, time, logger);
            btf = sockets = counts = link = null;
            mapped = null;
            problem = null;
            return tracker;
        }
        finally
        {
            if (mapped is not null)
            {
                _ = Interop.Libc.Munmap(mapped, length);
            }

            link?.Dispose();
            counts?.Dispose();
            sockets?.Dispose();
            btf?.Dispose();
        }
    }

    /// <summary>
    /// Marks <paramref name="socketFd"/> so that the program counts it for <paramref name="server"/>: one
    /// bpf(2) call. Call before the connect; a socket connected again is tracked again. False when every
    /// slot is taken or the kernel refused the entry (the connect goes uncounted).
    /// </summary>
    public bool Track(int socketFd, Ipv4Endpoint server)
    {
        int slot;
        lock (_lock)
        {
            if (_disposed || !TryGetSlot(server, out slot))
            {
                return false;
            }
        }

        Span<byte> key = stackalloc byte[sizeof(int)];
        Span<byte> value = stackalloc byte[ConnectionTrackerProgram.SocketValueSize];
        BinaryPrimitives.WriteInt32LittleEndian(key, socketFd);
        BinaryPrimitives.WriteInt32LittleEndian(value, slot);
        BinaryPrimitives.WriteInt32LittleEndian(value[4..], ConnectionTrackerProgram.Connecting);
        Errno error = BpfSyscall.TryUpdate(_sockets, key, value);
        if (error != Errno.None)
        {
            if (Interlocked.Increment(ref _failures) == 1)
            {
                Log.TrackFailed(_logger, error.ToString());
            }

            return false;
        }

        return true;
    }

    /// <summary>The counts of <paramref name="server"/>: no syscall, two loads from the mapped array.</summary>
    public ConnectionCounts Read(Ipv4Endpoint server)
    {
        lock (_lock)
        {
            return !_disposed && _slots.TryGetValue(server, out int slot) ? ReadSlot(slot) : default;
        }
    }

    /// <summary>
    /// <paramref name="server"/> left the table: its slot is freed once it has no open connection and
    /// <see cref="Quarantine"/> has passed (checked now and whenever the slots run out). Also frees the
    /// slots of servers forgotten earlier that are due.
    /// </summary>
    public void Forget(Ipv4Endpoint server)
    {
        lock (_lock)
        {
            if (_slots.ContainsKey(server))
            {
                _forgotten[server] = _time.GetTimestamp();
            }

            Sweep();
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _link.Dispose();
            _ = Interop.Libc.Munmap(_values, _mappedLength);
            _counts.Dispose();
            _sockets.Dispose();
            _btf.Dispose();
        }
    }

    private bool TryGetSlot(Ipv4Endpoint server, out int slot)
    {
        if (_slots.TryGetValue(server, out slot))
        {
            // Tracked again: it is back in the table.
            _forgotten.Remove(server);
            return true;
        }

        if (_free.Count == 0 && _neverUsed == _capacity)
        {
            Sweep();
        }

        if (!_free.TryPop(out slot))
        {
            if (_neverUsed == _capacity)
            {
                return false;
            }

            slot = _neverUsed++;
        }

        _slots.Add(server, slot);
        return true;
    }

    private void Sweep()
    {
        if (_forgotten.Count == 0)
        {
            return;
        }

        List<Ipv4Endpoint>? due = null;
        foreach (var (server, since) in _forgotten)
        {
            int slot = _slots[server];
            if (_time.GetElapsedTime(since) >= _quarantine && ReadSlot(slot).Open == 0)
            {
                (due ??= []).Add(server);
            }
        }

        foreach (Ipv4Endpoint server in due ?? [])
        {
            int slot = _slots[server];
            _slots.Remove(server);
            _forgotten.Remove(server);
            Volatile.Write(ref _values[(slot * 2) + 0], 0u);
            Volatile.Write(ref _values[(slot * 2) + 1], 0u);
            _free.Push(slot);
        }
    }

    private ConnectionCounts ReadSlot(int slot)
    {
        // Written by the program with atomic adds on other CPUs: each word is read once, whole.
        uint open = Volatile.Read(ref _values[slot * 2]);
        uint failures = Volatile.Read(ref _values[(slot * 2) + 1]);
        return new ConnectionCounts((int)Math.Min(open, int.MaxValue), (int)Math.Min(failures, int.MaxValue));
    }
}
