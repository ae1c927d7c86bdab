using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // glibc's wrapper applies the change to every thread of the process (the "setxid" broadcast).
        [LibraryImport(Libraries.Libc, EntryPoint = "setgid", SetLastError = true)]
        internal static partial int SetGid(uint gid);
    }
}
