using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // struct iovec, <sys/uio.h>
        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct IoVec
        {
            public void* Base;
            public nuint Length;
        }

        [LibraryImport(Libraries.Libc, EntryPoint = "process_vm_readv", SetLastError = true)]
        internal static unsafe partial nint ProcessVmReadv(int pid, IoVec* local, ulong localCount, IoVec* remote, ulong remoteCount, ulong flags);
    }
}
