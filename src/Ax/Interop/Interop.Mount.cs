using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // <linux/mount.h> (MS_* flags of mount(2))
        internal const ulong MS_RDONLY = 0x1;
        internal const ulong MS_REMOUNT = 0x20;
        internal const ulong MS_BIND = 0x1000;
        internal const ulong MS_REC = 0x4000;
        internal const ulong MS_SLAVE = 0x80000;

        [LibraryImport(Libraries.Libc, EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int Mount(string? source, string target, string? fileSystemType, ulong flags, nint data);
    }
}
