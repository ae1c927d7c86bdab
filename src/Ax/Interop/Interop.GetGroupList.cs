using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>Returns the number of groups, or -1 when *count was too small (then *count is the number needed).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "getgrouplist")]
        internal static unsafe partial int GetGroupList(byte* user, uint group, uint* groups, int* count);
    }
}
