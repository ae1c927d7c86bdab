using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>The interface's index in the calling thread's network namespace, or 0 (errno set).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "if_nametoindex", SetLastError = true)]
        internal static unsafe partial uint IfNameToIndex(byte* name);
    }
}
