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
        if (Interop.Libc.GetEuid() != 0 && Interop.Libc.Prctl(Interop.Libc.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        {
            return Interop.LastErrno();
        }

        Interop.Seccomp.SockFilter[] program = SeccompFilterProgram.Build();
        fixed (Interop.Seccomp.SockFilter* instructions = program)
        {
            var fprog = new Interop.Seccomp.SockFprog { Length = (ushort)program.Length, Filter = instructions };
            long result = Interop.Libc.Syscall3(
                Interop.SyscallNumbers.Seccomp,
                Interop.Seccomp.SECCOMP_SET_MODE_FILTER,
                Interop.Seccomp.SECCOMP_FILTER_FLAG_NEW_LISTENER | Interop.Seccomp.SECCOMP_FILTER_FLAG_SPEC_ALLOW,
                (long)&fprog);
            if (result < 0)
            {
                return Interop.LastErrno();
            }

            listenerFd = (int)result;
            return Errno.None;
        }
    }
}
