using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "dup2", SetLastError = true)]
        internal static partial int Dup2(int oldFd, int newFd);
    }
}
