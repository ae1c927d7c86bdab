using Ax.Interception;

namespace Ax.Launcher;

/// <summary>
/// Installs the ax filter on the calling thread only (no TSYNC): that is the thread that will execve the
/// app, and the runtime's other threads vanish at execve. Returns the listener descriptor.
/// <para>
/// With SPEC_ALLOW: where a kernel runs spec_store_bypass_disable= or spectre_v2_user= in their seccomp
/// modes, it would otherwise switch on speculation mitigations (SSBD, STIBP) for every app just for
/// having a filter, and the app would run slower under ax than without it. Those modes are meant for
/// sandboxes of untrusted code; ax's filter intercepts network calls, it does not sandbox the app.
/// </para>
/// </summary>
internal static unsafe class SeccompInstaller
{
    internal static Errno TryInstall(out int listenerFd)
    {
        listenerFd = -1;
        Interop.Seccomp.SockFilter[] program = SeccompFilterProgram.Build();
        fixed (Interop.Seccomp.SockFilter* instructions = program)
        {
            var fprog = new Interop.Seccomp.SockFprog { Length = (ushort)program.Length, Filter = instructions };
            long result = Install(&fprog);

            // seccomp(2): a filter may be installed only by a process with CAP_SYS_ADMIN in its user namespace
            // or with no_new_privs set (kernel/seccomp.c, seccomp_prepare_filter), else EACCES. Root in an
            // unprivileged container (podman's and docker's default capabilities) and any other user have no
            // CAP_SYS_ADMIN, so only then, and only for this process and what it executes, no_new_privs goes
            // on: execve no longer grants privileges (set-user-ID and set-group-ID bits, file capabilities;
            // prctl(2), PR_SET_NO_NEW_PRIVS). Where ax has CAP_SYS_ADMIN the app keeps them (README, Containers).
            if (result < 0 && Interop.LastErrno() == Errno.EACCES)
            {
                if (Interop.Libc.Prctl(Interop.Libc.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
                {
                    return Interop.LastErrno();
                }

                result = Install(&fprog);
            }

            if (result < 0)
            {
                return Interop.LastErrno();
            }

            listenerFd = (int)result;
            return Errno.None;
        }
    }

    private static long Install(Interop.Seccomp.SockFprog* fprog) => Interop.Libc.Syscall3(
        Interop.SyscallNumbers.Seccomp,
        Interop.Seccomp.SECCOMP_SET_MODE_FILTER,
        Interop.Seccomp.SECCOMP_FILTER_FLAG_NEW_LISTENER | Interop.Seccomp.SECCOMP_FILTER_FLAG_SPEC_ALLOW,
        (long)fprog);
}
