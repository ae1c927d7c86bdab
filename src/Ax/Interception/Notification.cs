namespace Ax.Interception;

/// <summary>One trapped system call, copied out of struct seccomp_notif.</summary>
/// <param name="Pid">The calling thread's id, in the daemon's pid namespace.</param>
internal readonly record struct Notification(ulong Id, int Pid, int Nr, ulong Arg0, ulong Arg1, ulong Arg2, ulong Arg3 = 0, ulong Arg4 = 0, ulong Arg5 = 0)
{
    internal int Fd => unchecked((int)Arg0);
}
