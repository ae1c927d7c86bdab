using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // syscall(2) is variadic; these fixed-arity bindings are safe on x86-64 because glibc's
        // syscall wrapper is assembly that reads integer registers only.
        [LibraryImport(Libraries.Libc, EntryPoint = "syscall", SetLastError = true)]
        internal static partial long Syscall2(long number, long arg1, long arg2);

        [LibraryImport(Libraries.Libc, EntryPoint = "syscall", SetLastError = true)]
        internal static partial long Syscall3(long number, long arg1, long arg2, long arg3);
    }
}
