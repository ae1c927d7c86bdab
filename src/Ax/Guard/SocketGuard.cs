using System.Diagnostics.CodeAnalysis;
using Ax.Interception;
using Microsoft.Extensions.Logging;
using static Interop.Bpf;

namespace Ax.Guard;

/// <summary>
/// The second line behind the seccomp filter: the app-socket marker (<see cref="GuardMaps"/>) and the
/// connect/bind programs (<see cref="SocketGuardProgram"/>), attached with BPF links to this daemon's
/// cgroup, where every app socket belongs because the daemon makes them. The daemon's cgroup may hold
/// anything (in tests, the test runner; on a plain machine, the root cgroup): the programs act on
/// app sockets only. A link attaches with BPF_F_ALLOW_MULTI semantics, so the programs of several
/// daemons on one machine run side by side, each judging the sockets of its own run directory.
/// <para>
/// The links are this process's: a daemon that exits takes its programs with it, unless its keeper
/// holds copies (<see cref="Keeper.KeeperClient.HoldGuard"/>), which it does until the next daemon
/// hands over its own. Where the kernel lacks cgroup v2 or BPF, the daemon logs one warning and runs
/// with the seccomp filter alone.
/// </para>
/// </summary>
internal sealed partial class SocketGuard : IDisposable
{
    private readonly OwnedFd _cgroup;
    private readonly List<OwnedFd> _programs = [];
    private readonly List<OwnedFd> _links = [];

    private SocketGuard(GuardMaps maps, OwnedFd cgroup)
    {
        Maps = maps;
        _cgroup = cgroup;
    }

    /// <summary>How this kernel's guard programs know the daemon's own calls; the UDP send guard uses the same.</summary>
    internal DaemonCallerCheck CallerCheck { get; private set; } = DaemonCallerCheck.PidNamespace;

    /// <summary>The maps every guard program reads; <see cref="GuardMaps.MarkAppSocket"/> is the daemon's socket() step.</summary>
    internal GuardMaps Maps { get; }

    /// <summary>This daemon's cgroup v2 directory, where every app socket belongs: the daemon's other programs attach there too.</summary>
    internal OwnedFd Cgroup => _cgroup;

    /// <summary>Every attachment made through this guard so far (the UDP send guard's too): while any copy of one is open, its program runs.</summary>
    internal IReadOnlyList<OwnedFd> Links => _links;

    /// <summary>
    /// Finds or makes the maps, records this daemon in them and attaches the connect/bind programs.
    /// Null, having logged one warning that says why, where the kernel cannot run them.
    /// </summary>
    internal static SocketGuard? Start(string runDir, ILogger logger)
    {
        if (!DaemonIdentity.TryGetCurrent(out DaemonIdentity self, out string? problem))
        {
            Log.Unavailable(logger, problem);
            return null;
        }

        GuardMaps? maps = GuardMaps.OpenOrCreate(runDir, self, out problem);
        if (maps is null)
        {
            Log.Unavailable(logger, problem!);
            return null;
        }

        if (!CgroupDirectory.TryOpen(Path.Combine(runDir, "cgroup2"), out OwnedFd? cgroup, out problem))
        {
            maps.Dispose();
            Log.Unavailable(logger, $"cannot find this daemon's cgroup v2 directory: {problem}");
            return null;
        }

        var guard = new SocketGuard(maps, cgroup);
        BpfInsn[] program = SocketGuardProgram.Build(maps.Marker.Fd, maps.Daemon.Fd);
        foreach (var (attachType, name) in SocketGuardProgram.Hooks)
        {
            if (guard.TryAttach(name, program, attachType, out problem))
            {
                continue;
            }

            // Before Linux 6.10 a cgroup program may not ask for a tgid in a given PID namespace; a daemon in
            // the initial one can be known by the machine-wide tgid instead, as every such kernel allows.
            if (guard._links.Count == 0 && self.IsInInitialPidNamespace && guard.CallerCheck == DaemonCallerCheck.PidNamespace)
            {
                guard.CallerCheck = DaemonCallerCheck.InitialNamespaceTgid;
                program = SocketGuardProgram.Build(maps.Marker.Fd, maps.Daemon.Fd, guard.CallerCheck);
                if (guard.TryAttach(name, program, attachType, out problem))
                {
                    continue;
                }
            }

            guard.Dispose();
            Log.Unavailable(logger, problem);
            return null;
        }

        Log.Started(logger, self.Tgid, self.PidNamespaceInode, guard.CallerCheck, maps.Reused);
        return guard;
    }

    /// <summary>Loads <paramref name="instructions"/> for <paramref name="attachType"/> and links it to this daemon's cgroup.</summary>
    internal bool TryAttach(string name, ReadOnlySpan<BpfInsn> instructions, uint attachType, [NotNullWhen(false)] out string? problem)
    {
        if (!BpfSyscall.TryAttachSockAddr(name, instructions, attachType, _cgroup, out OwnedFd? program, out OwnedFd? link, out problem))
        {
            return false;
        }

        _programs.Add(program!);
        _links.Add(link!);
        return true;
    }

    public void Dispose()
    {
        foreach (OwnedFd link in _links)
        {
            link.Dispose();
        }

        foreach (OwnedFd program in _programs)
        {
            program.Dispose();
        }

        _cgroup.Dispose();
        Maps.Dispose();
    }
}
