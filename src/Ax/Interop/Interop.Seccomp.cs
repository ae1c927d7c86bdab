using System.Runtime.InteropServices;

internal static partial class Interop
{
    /// <summary>Constants and structs of &lt;linux/seccomp.h&gt; and &lt;linux/filter.h&gt;.</summary>
    internal static partial class Seccomp
    {
        internal const int SECCOMP_SET_MODE_FILTER = 1;
        internal const uint SECCOMP_FILTER_FLAG_SPEC_ALLOW = 1u << 2;
        internal const uint SECCOMP_FILTER_FLAG_NEW_LISTENER = 1u << 3;

        internal const uint SECCOMP_RET_KILL_PROCESS = 0x80000000;
        internal const uint SECCOMP_RET_ALLOW = 0x7fff0000;
        internal const uint SECCOMP_RET_USER_NOTIF = 0x7fc00000;
        internal const uint SECCOMP_RET_ERRNO = 0x00050000;

        internal const uint SECCOMP_USER_NOTIF_FLAG_CONTINUE = 1;
        internal const uint SECCOMP_ADDFD_FLAG_SETFD = 1;
        internal const uint SECCOMP_ADDFD_FLAG_SEND = 2;
        internal const ulong SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP = 1;

        // _IOWR('!', 0, struct seccomp_notif) and friends, computed from <asm-generic/ioctl.h>.
        internal const ulong SECCOMP_IOCTL_NOTIF_RECV = 0xC0502100;
        internal const ulong SECCOMP_IOCTL_NOTIF_SEND = 0xC0182101;
        internal const ulong SECCOMP_IOCTL_NOTIF_ID_VALID = 0x40082102;
        internal const ulong SECCOMP_IOCTL_NOTIF_ADDFD = 0x40182103;
        internal const ulong SECCOMP_IOCTL_NOTIF_SET_FLAGS = 0x40082104;

        // <linux/audit.h>
        internal const uint AUDIT_ARCH_X86_64 = 0xC000003E;
        internal const uint AUDIT_ARCH_I386 = 0x40000003;
        internal const uint X32_SYSCALL_BIT = 0x40000000;

        // struct seccomp_data, <linux/seccomp.h>
        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct SeccompData
        {
            public int Nr;
            public uint Arch;
            public ulong InstructionPointer;
            public fixed ulong Args[6];
        }

        // struct seccomp_notif, <linux/seccomp.h>
        [StructLayout(LayoutKind.Sequential)]
        internal struct SeccompNotif
        {
            public ulong Id;
            public uint Pid;
            public uint Flags;
            public SeccompData Data;
        }

        // struct seccomp_notif_resp, <linux/seccomp.h>
        [StructLayout(LayoutKind.Sequential)]
        internal struct SeccompNotifResp
        {
            public ulong Id;
            public long Val;
            public int Error;
            public uint Flags;
        }

        // struct seccomp_notif_addfd, <linux/seccomp.h>
        [StructLayout(LayoutKind.Sequential)]
        internal struct SeccompNotifAddfd
        {
            public ulong Id;
            public uint Flags;
            public uint SrcFd;
            public uint NewFd;
            public uint NewFdFlags;
        }

        // struct sock_filter, <linux/filter.h>
        [StructLayout(LayoutKind.Sequential)]
        internal struct SockFilter
        {
            public ushort Code;
            public byte JumpTrue;
            public byte JumpFalse;
            public uint K;
        }

        // struct sock_fprog, <linux/filter.h>: an unsigned short length, padding, then the pointer.
        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct SockFprog
        {
            public ushort Length;
            public SockFilter* Filter;
        }
    }
}
