using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // struct ucred, <sys/socket.h> (SO_PEERCRED, SCM_CREDENTIALS)
        [StructLayout(LayoutKind.Sequential)]
        internal struct UCred
        {
            public int Pid;
            public uint Uid;
            public uint Gid;
        }
    }
}
