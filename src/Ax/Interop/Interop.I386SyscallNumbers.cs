internal static partial class Interop
{
    /// <summary>
    /// i386 system call numbers (arch/x86/entry/syscalls/syscall_32.tbl), which a 64-bit process reaches
    /// with <c>int $0x80</c> when the kernel has IA32 emulation, and the call numbers of i386's
    /// <c>socketcall</c> (&lt;linux/net.h&gt;).
    /// </summary>
    internal static class I386SyscallNumbers
    {
        internal const int SocketCall = 102;
        internal const int SendMmsg = 345;
        internal const int Bind = 361;
        internal const int Connect = 362;
        internal const int Listen = 363;
        internal const int SetSockOpt = 366;
        internal const int SendTo = 369;
        internal const int SendMsg = 370;
        internal const int IoUringSetup = 425;
        internal const int IoUringRegister = 427;

        // socketcall(call, args): the first argument says which socket call; the rest are in memory.
        internal const int SocketCallBind = 2;
        internal const int SocketCallConnect = 3;
        internal const int SocketCallListen = 4;
        internal const int SocketCallSendTo = 11;
        internal const int SocketCallSetSockOpt = 14;
        internal const int SocketCallSendMsg = 16;
        internal const int SocketCallSendMmsg = 20;
    }
}
