using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>openat2(2) (Linux 5.6): glibc 2.36 has no wrapper, so it goes through syscall(2).</summary>
        internal const long SysOpenAt2 = 437;

        /// <summary>RESOLVE_IN_ROOT, &lt;linux/openat2.h&gt;: the path, and every symbolic link in it, is resolved as if dirfd were /.</summary>
        internal const ulong RESOLVE_IN_ROOT = 0x10;

        internal const int O_NOCTTY = 0x100;

        /// <summary>struct open_how, &lt;linux/openat2.h&gt;.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct OpenHow
        {
            internal ulong Flags;
            internal ulong Mode;
            internal ulong Resolve;
        }

        [LibraryImport(Libraries.Libc, EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        private static unsafe partial long Syscall4(long number, int dirfd, string path, OpenHow* how, nuint size);

        internal static unsafe int OpenAt2(int dirfd, string path, ulong flags, ulong resolve)
        {
            var how = new OpenHow { Flags = flags, Resolve = resolve };
            return (int)Syscall4(SysOpenAt2, dirfd, path, &how, (nuint)sizeof(OpenHow));
        }
    }
}
