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
/// <see cref="UdpSendGuardProgram"/>, attaches it through the <see cref="SocketGuard"/> (whose maps tell
/// app sockets and the daemon), and keeps the program's map of guarded destinations in step with the
/// service table, the apps and the vservices.
/// <para>
/// The map holds exactly what the router guards: virtual IPs on every port, and the host ports of the
/// UDP sockets ax bound for apps' services. It used to hold the whole --ports pool on the node IP, but
/// the kernel's ephemeral range (net.ipv4.ip_local_port_range, 32768-60999 by default) overlaps the
/// pool, so ordinary clients on the node got pool ports and a UDP server's replies to them were
/// refused. Reserving the pool (net.ipv4.ip_local_reserved_ports) was the other way out; it was not
/// taken because it changes a setting of the node's network namespace (the host's, in production)
/// that other software owns, must be undone when the daemon stops (and not undone while another
/// daemon on the same node still needs it), and survives a crashed daemon.
/// </para>
/// </summary>
internal sealed partial class UdpSendGuard : IDisposable
{
    /// <summary>How many destinations the map holds; a node with more virtual IPs and UDP services is beyond what one daemon serves.</summary>
    internal const uint MaxEntries = 65536;

    private readonly OwnedFd _map;
    private readonly ServiceRegistry _services;
    private readonly AppRegistry _apps;
    private readonly VServiceRegistry _vservices;
    private readonly uint _nodeIp;
    private readonly ILogger _logger;
    private readonly AutoResetEvent _changed = new(false);
    private readonly HashSet<UdpGuardKey> _inMap = [];
    private readonly Thread _worker;
    private volatile bool _disposed;

    private UdpSendGuard(OwnedFd map, ServiceRegistry services, AppRegistry apps, VServiceRegistry vservices, uint nodeIp, ILogger logger)
    {
        _map = map;
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
    internal static UdpSendGuard? Start(SocketGuard socketGuard, uint nodeIp, ServiceRegistry services, AppRegistry apps, VServiceRegistry vservices, ILogger logger)
    {
        Errno error = BpfSyscall.TryCreateHashMap("ax_udp_guard", UdpGuardKey.Size, 1, MaxEntries, out OwnedFd? map);
        if (error != Errno.None)
        {
            Log.Unavailable(logger, $"cannot create a BPF map ({error}); this kernel may lack CONFIG_BPF_SYSCALL");
            return null;
        }

        BpfInsn[] instructions = UdpSendGuardProgram.Build(socketGuard.Maps.Marker.Fd, socketGuard.Maps.Daemon.Fd, map!.Fd, socketGuard.CallerCheck);
        if (!socketGuard.TryAttach("ax_udp_guard", instructions, BPF_CGROUP_UDP4_SENDMSG, out string? problem))
        {
            map.Dispose();
            Log.Unavailable(logger, problem);
            return null;
        }

        var guard = new UdpSendGuard(map, services, apps, vservices, nodeIp, logger);
        guard.Reconcile();
        services.Changed += guard.OnChanged;
        apps.Changed += guard.OnChanged;
        vservices.Changed += guard.OnChanged;
        guard._worker.Start();
        Log.Started(logger, Environment.ProcessId);
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
        _map.Dispose();
        _changed.Dispose();
    }

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
        HashSet<UdpGuardKey> wanted = UdpGuardTargets.Collect(_services.Current, _apps.AllWithPeers, _vservices.Current, _nodeIp);
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
