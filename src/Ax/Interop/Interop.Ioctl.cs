using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // ioctl(2) is variadic; a fixed three-argument binding is safe on x86-64 (integer registers only).
        [LibraryImport(Libraries.Libc, EntryPoint = "ioctl", SetLastError = true)]
        internal static unsafe partial int Ioctl(int fd, ulong request, void* argument);

        /// <summary>ioctl(2) for requests whose third argument is the value itself, not a pointer to it.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "ioctl", SetLastError = true)]
        internal static partial int IoctlValue(int fd, ulong request, nuint value);
    }
}
