using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>execve with the calling process's own environment (<c>environ</c>), exec(3).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "execv", SetLastError = true)]
        internal static unsafe partial int Execv(byte* path, byte** argv);
    }
}
