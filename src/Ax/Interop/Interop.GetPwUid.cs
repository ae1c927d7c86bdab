using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>Returns 0 (and *result null when there is no such user) or an errno value; errno is not used.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "getpwuid_r")]
        internal static unsafe partial int GetPwUidR(uint uid, Passwd* entry, byte* buffer, nuint bufferLength, Passwd** result);
    }
}
