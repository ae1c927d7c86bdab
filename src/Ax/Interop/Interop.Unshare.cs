using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int CLONE_NEWNS = 0x00020000;
        internal const int CLONE_NEWNET = 0x40000000;

        [LibraryImport(Libraries.Libc, EntryPoint = "unshare", SetLastError = true)]
        internal static partial int Unshare(int flags);
    }
}
