using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // <signal.h>
        internal const int SIGPIPE = 13;
        internal const nint SIG_DFL = 0;

        /// <summary>signal(2): sets a disposition; returns the previous one, or SIG_ERR (-1).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "signal", SetLastError = true)]
        internal static partial nint Signal(int signal, nint handler);
    }
}
