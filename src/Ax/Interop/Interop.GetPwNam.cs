using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // struct passwd, <pwd.h> (x86-64).
        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct Passwd
        {
            public byte* Name;
            public byte* Password;
            public uint Uid;
            public uint Gid;
            public byte* Gecos;
            public byte* Dir;
            public byte* Shell;
        }

        /// <summary>Returns 0 (and *result null when there is no such user) or an errno value; errno is not used.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "getpwnam_r")]
        internal static unsafe partial int GetPwNamR(byte* name, Passwd* entry, byte* buffer, nuint bufferLength, Passwd** result);
    }
}
