using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // <sys/mman.h>: mmap(2).
        internal const int PROT_READ = 0x1;
        internal const int PROT_WRITE = 0x2;
        internal const int MAP_SHARED = 0x01;

        /// <summary>mmap(2); MAP_FAILED, (void *)-1, on error.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "mmap", SetLastError = true)]
        internal static unsafe partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, long offset);
    }
}
