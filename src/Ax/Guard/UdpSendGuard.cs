using System.Diagnostics.CodeAnalysis;
using Ax.Apps;
using Ax.Interception;
using Ax.ServiceTable;
using Ax.VServices;
using Microsoft.Extensions.Logging;
using static Interop.Bpf;

namespace Ax.Guard;

/// <summary>
/// Closes the path around the router that seccomp cannot see: UDP sendmsg/sendmmsg with an address in
/// msg_name (SeccompFilterProgram.cs explains why those calls are not trapped). It loads
/// <see cref="UdpSendGuardProgram"/>, attaches it with a BPF link to this daemon's cgroup, where every
/// app socket belongs because the daemon makes them, and keeps the program's map of guarded
/// destinations in step with the service table, the apps and the vservices.
/// <para>
/// The guard is this process's: its link descriptor is its attachment, so a daemon that exits or is
/// killed takes its program with it, and the next daemon attaches its own (with its own pid) and fills
/// its map from the restored tables. A link attaches with BPF_F_ALLOW_MULTI semantics, so the programs
/// of several daemons on one machine run side by side. Where the kernel lacks cgroup v2 or BPF, the
/// daemon logs one warning and runs without the guard.
/// </para>
/// </summary>
internal sealed partial class UdpSendGuard : IDisposable
{
    /// <summary>The SO_MARK the daemon gives every datagram socket it makes for an app ("AX" and 1).</summary>
    internal const uint SocketMark = 0x41580001;

    /// <summary>How many destinations the map holds; a node with more virtual IPs and UDP services is beyond what one daemon serves.</summary>
    internal const uint MaxEntries = 65536;

    private readonly OwnedFd _map;
    private readonly OwnedFd _program;
    private readonly OwnedFd _link;
    private readonly ServiceRegistry _services;
    private readonly AppRegistry _apps;
    private readonly VServiceRegistry _vservices;
    private readonly uint _nodeIp;
    private readonly ILogger _logger;
    private readonly AutoResetEvent _changed = new(false);
    private readonly HashSet<UdpGuardKey> _inMap = [];
    private readonly Thread _worker;
    private volatile bool _disposed;

    private UdpSendGuard(OwnedFd map, OwnedFd program, OwnedFd link, ServiceRegistry services, AppRegistry apps, VServiceRegistry vservices, uint nodeIp, ILogger logger)
    {
        _map = map;
        _program = program;
        _link = link;
        _services = services;
        _apps = apps;
        _vservices = vservices;
        _nodeIp = nodeIp;
        _logger = logger;
        _worker = new Thread(Run) { IsBackground = true, Name = "ax-udp-guard" };
    }

    /// <summary>
    /// Loads and attaches the guard, fills its map and starts keeping it in step. Returns null, having
    /// logged one warning that says why, where the kernel cannot run it; the daemon carries on without it.
    /// </summary>
    internal static UdpSendGuard? Start(uint nodeIp, IReadOnlyList<(ushort First, ushort Last)> poolRanges, string runDir, ServiceRegistry services, AppRegistry apps, VServiceRegistry vservices, ILogger logger)
    {
        Errno cookieError = TryReadNetnsCookie(out ulong netnsCookie);
        if (cookieError != Errno.None)
        {
            Log.Unavailable(logger, $"cannot read this network namespace's cookie ({cookieError}); SO_NETNS_COOKIE needs Linux 5.14");
            return null;
        }

        var settings = new UdpGuardSettings(SocketMark, Environment.ProcessId, netnsCookie, nodeIp, poolRanges);
        if (!TryAttach(settings, runDir, out OwnedFd? map, out OwnedFd? program, out OwnedFd? link, out string? problem))
        {
            Log.Unavailable(logger, problem);
            return null;
        }

        var guard = new UdpSendGuard(map, program, link, services, apps, vservices, settings.NodeIp, logger);
        guard.Reconcile();
        services.Changed += guard.OnChanged;
        apps.Changed += guard.OnChanged;
        vservices.Changed += guard.OnChanged;
        guard._worker.Start();
        Log.Started(logger, settings.DaemonTgid);
        return guard;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _services.Changed -= OnChanged;
        _apps.Changed -= OnChanged;
        _vservices.Changed -= OnChanged;
        _changed.Set();
        _worker.Join();
        _link.Dispose();
        _program.Dispose();
        _map.Dispose();
        _changed.Dispose();
    }

    private static bool TryAttach(
        UdpGuardSettings settings,
        string runDir,
        [NotNullWhen(true)] out OwnedFd? map,
        [NotNullWhen(true)] out OwnedFd? program,
        [NotNullWhen(true)] out OwnedFd? link,
        [NotNullWhen(false)] out string? problem)
    {
        program = null;
        link = null;
        problem = null;
        Errno error = BpfSyscall.TryCreateHashMap("ax_udp_guard", UdpGuardKey.Size, 1, MaxEntries, out map);
        if (error != Errno.None)
        {
            problem = $"cannot create a BPF map ({error}); this kernel may lack CONFIG_BPF_SYSCALL";
            return false;
        }

        BpfInsn[] instructions = UdpSendGuardProgram.Build(settings, map!.Fd);
        error = BpfSyscall.TryLoadSockAddrProgram("ax_udp_guard", instructions, BPF_CGROUP_UDP4_SENDMSG, out program, out string verifierLog);
        if (error != Errno.None)
        {
            problem = $"the kernel refused the program ({error}); verifier: {(verifierLog.Length == 0 ? "(no message)" : verifierLog)}";
        }
        else if (!CgroupDirectory.TryOpen(Path.Combine(runDir, "cgroup2"), out OwnedFd? cgroup, out problem))
        {
            problem = $"cannot find this daemon's cgroup v2 directory: {problem}";
        }
        else
        {
            using (cgroup)
            {
                error = BpfSyscall.TryLinkCgroup(program!, cgroup, BPF_CGROUP_UDP4_SENDMSG, out link);
            }

            if (error == Errno.None && program is not null && link is not null)
            {
                return true;
            }

            problem = $"cannot attach the program to this daemon's cgroup ({error}); a program attached there without BPF_F_ALLOW_MULTI keeps others out";
        }

        program?.Dispose();
        map.Dispose();
        map = null;
        program = null;
        return false;
    }

    /// <summary>The cookie bpf_get_netns_cookie gives for sockets of this process's network namespace, where the daemon makes app sockets.</summary>
    private static unsafe Errno TryReadNetnsCookie(out ulong cookie)
    {
        cookie = 0;
        int fd = Interop.Libc.Socket(Interop.Libc.AF_INET, Interop.Libc.SOCK_DGRAM | Interop.Libc.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            return Interop.LastErrno();
        }

        using var socket = new OwnedFd(fd);
        ulong value = 0;
        uint length = sizeof(ulong);
        if (Interop.Libc.GetSockOpt(socket.Fd, Interop.Libc.SOL_SOCKET, Interop.Libc.SO_NETNS_COOKIE, &value, &length) != 0)
        {
            return Interop.LastErrno();
        }

        cookie = value;
        return Errno.None;
    }

    /// <summary>The attachment: while any copy of it is open (this daemon's, its keeper's), the program runs.</summary>
    internal OwnedFd Link => _link;

    private void OnChanged() => _changed.Set();

    private void Run()
    {
        while (true)
        {
            _changed.WaitOne();
            if (_disposed)
            {
                return;
            }

            Reconcile();
        }
    }

    /// <summary>
    /// Brings the map to what the tables say now. Changes that arrive meanwhile set the event again, so
    /// a burst of listens costs one pass over the tables, not one per listen.
    /// </summary>
    private void Reconcile()
    {
        HashSet<UdpGuardKey> wanted = UdpGuardTargets.Collect(_services.Current, _apps.All, _vservices.Current, _nodeIp);
        Span<byte> key = stackalloc byte[UdpGuardKey.Size];
        ReadOnlySpan<byte> present = [1];
        foreach (UdpGuardKey stale in _inMap.Where(k => !wanted.Contains(k)).ToList())
        {
            stale.Encode(key);
            Errno error = BpfSyscall.TryDelete(_map, key);
            if (error is Errno.None or Errno.ENOENT)
            {
                _inMap.Remove(stale);
            }
        }

        foreach (UdpGuardKey fresh in wanted)
        {
            if (_inMap.Contains(fresh))
            {
                continue;
            }

            fresh.Encode(key);
            Errno error = BpfSyscall.TryUpdate(_map, key, present);
            if (error != Errno.None)
            {
                Log.MapUpdateFailed(_logger, error.ToString());
                continue;
            }

            _inMap.Add(fresh);
        }
    }
}
