namespace Ax.Guard;

/// <summary>How the guard programs tell the daemon's own calls from an app's (<see cref="AppSocketCheck"/>).</summary>
internal enum DaemonCallerCheck
{
    /// <summary>
    /// The caller's tgid in the daemon's PID namespace (bpf_get_ns_current_pid_tgid), right wherever the
    /// daemon runs; cgroup programs may call that helper from Linux 6.10.
    /// </summary>
    PidNamespace,

    /// <summary>
    /// The caller's tgid in the machine's initial PID namespace (bpf_get_current_pid_tgid), for kernels
    /// before 6.10; right only for a daemon that lives in that namespace itself, so used only there.
    /// </summary>
    InitialNamespaceTgid,
}
