using static Interop.Bpf;

namespace Ax.Guard;

/// <summary>
/// The cgroup sock_addr program for connect and bind (BPF_CGROUP_INET4_CONNECT, INET6_CONNECT,
/// INET4_BIND, INET6_BIND; one program text, loaded once per hook): the second line behind the
/// seccomp filter. The daemon performs every legitimate connect and bind of an app socket itself
/// (Interception/SyscallHandler.Connect.cs, .Bind.cs), so an app socket connected or bound by any
/// other process, by whatever path (a socket handed over SCM_RIGHTS to a process outside ax,
/// io_uring, a system-call entry the filter misses), is refused with EPERM. The kernel runs the
/// hooks in inet_bind/inet6_bind and in the connect paths of TCP (tcp_v4_pre_connect,
/// tcp_v6_pre_connect) and UDP (inet_dgram_connect), in the caller's context, for sockets of the
/// cgroup the program is attached to; a socket's cgroup is the one of the process that made it, the
/// daemon's, for app sockets. Returning 0 fails the call with EPERM, 1 lets it go on.
/// </summary>
internal static class SocketGuardProgram
{
    /// <summary>The hooks this program is attached at, with the names it is loaded under.</summary>
    internal static readonly (uint AttachType, string Name)[] Hooks =
    [
        (BPF_CGROUP_INET4_CONNECT, "ax_connect4"),
        (BPF_CGROUP_INET6_CONNECT, "ax_connect6"),
        (BPF_CGROUP_INET4_BIND, "ax_bind4"),
        (BPF_CGROUP_INET6_BIND, "ax_bind6"),
    ];

    internal static BpfInsn[] Build(int markerMapFd, int daemonMapFd, DaemonCallerCheck check = DaemonCallerCheck.PidNamespace)
    {
        var b = new BpfProgramBuilder();
        AppSocketCheck.Emit(b, markerMapFd, daemonMapFd, check);
        b.Label("refuse");
        b.MoveImmediate(AppSocketCheck.R0, 0);
        b.Exit();
        b.Label("allow");
        b.MoveImmediate(AppSocketCheck.R0, 1);
        b.Exit();
        return b.Build();
    }
}
