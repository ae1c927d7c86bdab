using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "execve", SetLastError = true)]
        internal static unsafe partial int Execve(byte* path, byte** argv, byte** envp);
    }
}
