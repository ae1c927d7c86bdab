using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int F_DUPFD_CLOEXEC = 1030;
    }
}
