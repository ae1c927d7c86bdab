using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int F_GETFL = 3;
        internal const int F_SETFL = 4;
        internal const int O_NONBLOCK = 0x800;
        internal const int O_CLOEXEC = 0x80000;

        // fcntl(2) is variadic; a fixed three-argument binding is safe on x86-64 (integer registers only).
        [LibraryImport(Libraries.Libc, EntryPoint = "fcntl", SetLastError = true)]
        internal static partial int Fcntl(int fd, int command, long argument);
    }
}
