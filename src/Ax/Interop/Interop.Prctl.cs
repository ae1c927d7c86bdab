using System.Runtime.InteropServices;
using System.Text;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int PR_SET_NAME = 15;
        internal const int PR_SET_NO_NEW_PRIVS = 38;

        // prctl(2) is variadic; a fixed-arity binding is safe on x86-64 (integer registers only).
        [LibraryImport(Libraries.Libc, EntryPoint = "prctl", SetLastError = true)]
        internal static partial int Prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);
    }

    /// <summary>
    /// Names the calling OS thread, as `top -H` and /proc/PID/task/TID/comm show it (the kernel keeps 15
    /// bytes). The runtime does not pass <see cref="Thread.Name"/> on to the kernel under NativeAOT.
    /// </summary>
    internal static unsafe void NameCurrentThread(string name)
    {
        byte* buffer = stackalloc byte[16];
        int length = Encoding.ASCII.GetBytes(name.AsSpan(0, Math.Min(name.Length, 15)), new Span<byte>(buffer, 15));
        buffer[length] = 0;
        Libc.Prctl(Libc.PR_SET_NAME, (ulong)buffer, 0, 0, 0);
    }
}
