using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>Size of struct stat on x86_64, <c>&lt;bits/struct_stat.h&gt;</c>.</summary>
        internal const int StatSize = 144;

        /// <summary>Offset of st_dev (a 64-bit dev_t, in stat's own encoding) in struct stat on x86_64.</summary>
        internal const int StatDeviceOffset = 0;

        /// <summary>Offset of st_ino (a 64-bit ino_t) in struct stat on x86_64.</summary>
        internal const int StatInodeOffset = 8;

        /// <summary>Offset of st_mode (a 32-bit mode_t) in struct stat on x86_64.</summary>
        internal const int StatModeOffset = 24;

        internal const uint S_IFMT = 0xF000;
        internal const uint S_IFDIR = 0x4000;
        internal const uint S_IFREG = 0x8000;

        /// <summary>stat(2), following symbolic links; the buffer is <see cref="StatSize"/> bytes.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "stat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static unsafe partial int Stat(string path, byte* statBuffer);
    }
}
