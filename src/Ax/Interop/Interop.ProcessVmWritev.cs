using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "process_vm_writev", SetLastError = true)]
        internal static unsafe partial nint ProcessVmWritev(int pid, IoVec* local, ulong localCount, IoVec* remote, ulong remoteCount, ulong flags);
    }
}
