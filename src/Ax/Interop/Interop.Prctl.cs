using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int PR_SET_NO_NEW_PRIVS = 38;

        // prctl(2) is variadic; a fixed-arity binding is safe on x86-64 (integer registers only).
        [LibraryImport(Libraries.Libc, EntryPoint = "prctl", SetLastError = true)]
        internal static partial int Prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);
    }
}
