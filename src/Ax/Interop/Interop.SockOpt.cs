using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int SOL_SOCKET = 1;
        internal const int SO_REUSEADDR = 2;
        internal const int SO_REUSEPORT = 15;
        internal const int IPPROTO_IPV6 = 41;
        internal const int IPV6_V6ONLY = 26;
        internal const int SO_TYPE = 3;
        internal const int SO_ERROR = 4;
        internal const int SO_PEERCRED = 17;
        internal const int SO_RCVTIMEO = 20;
        internal const int SO_SNDTIMEO = 21;
        internal const int SO_ACCEPTCONN = 30;
        internal const int SO_MARK = 36;
        internal const int SO_DOMAIN = 39;
        internal const int SO_COOKIE = 57;
        internal const int SO_NETNS_COOKIE = 71;

        [LibraryImport(Libraries.Libc, EntryPoint = "getsockopt", SetLastError = true)]
        internal static unsafe partial int GetSockOpt(int fd, int level, int name, void* value, uint* length);

        [LibraryImport(Libraries.Libc, EntryPoint = "setsockopt", SetLastError = true)]
        internal static unsafe partial int SetSockOpt(int fd, int level, int name, void* value, uint length);
    }
}
