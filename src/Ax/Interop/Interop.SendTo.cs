using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int MSG_DONTWAIT = 0x40;
        internal const int MSG_FASTOPEN = 0x20000000;

        [LibraryImport(Libraries.Libc, EntryPoint = "sendto", SetLastError = true)]
        internal static unsafe partial nint SendTo(int fd, void* buffer, nuint length, int flags, void* address, uint addressLength);
    }
}
