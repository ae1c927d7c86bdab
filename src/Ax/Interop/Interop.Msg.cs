using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int SOL_SOCKET_LEVEL = 1;
        internal const int SCM_RIGHTS = 1;
        internal const int MSG_NOSIGNAL = 0x4000;
        internal const int MSG_CMSG_CLOEXEC = 0x40000000;

        // struct msghdr, <sys/socket.h>
        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct MsgHdr
        {
            public void* Name;
            public uint NameLength;
            public IoVec* Iov;
            public nuint IovLength;
            public void* Control;
            public nuint ControlLength;
            public int Flags;
        }

        // struct cmsghdr followed by one int (a single SCM_RIGHTS descriptor), <sys/socket.h>
        [StructLayout(LayoutKind.Sequential)]
        internal struct CmsgOneFd
        {
            public nuint Length;
            public int Level;
            public int Type;
            public int Fd;
            public int Padding;
        }

        [LibraryImport(Libraries.Libc, EntryPoint = "sendmsg", SetLastError = true)]
        internal static unsafe partial nint SendMsg(int fd, MsgHdr* message, int flags);

        [LibraryImport(Libraries.Libc, EntryPoint = "recvmsg", SetLastError = true)]
        internal static unsafe partial nint RecvMsg(int fd, MsgHdr* message, int flags);
    }
}
