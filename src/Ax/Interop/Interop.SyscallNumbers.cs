internal static partial class Interop
{
    /// <summary>x86-64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl).</summary>
    internal static class SyscallNumbers
    {
        internal const int Socket = 41;
        internal const int Connect = 42;
        internal const int Bind = 49;
        internal const int Listen = 50;
        internal const int GetSockName = 51;
        internal const int GetPeerName = 52;
        internal const int SendTo = 44;
        internal const int SendMsg = 46;
        internal const int SetSockOpt = 54;
        internal const int SendMmsg = 307;
        internal const int Seccomp = 317;
        internal const int Bpf = 321;
        internal const int IoUringSetup = 425;
        internal const int IoUringEnter = 426;
        internal const int IoUringRegister = 427;
        internal const int PidfdOpen = 434;
        internal const int PidfdGetfd = 438;
    }
}
