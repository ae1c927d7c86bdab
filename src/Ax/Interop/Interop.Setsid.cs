using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "setsid", SetLastError = true)]
        internal static partial int Setsid();
    }
}
