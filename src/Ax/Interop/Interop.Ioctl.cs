using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // ioctl(2) is variadic; a fixed three-argument binding is safe on x86-64 (integer registers only).
        [LibraryImport(Libraries.Libc, EntryPoint = "ioctl", SetLastError = true)]
        internal static unsafe partial int Ioctl(int fd, ulong request, void* argument);
    }
}
