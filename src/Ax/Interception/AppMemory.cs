namespace Ax.Interception;

/// <summary>
/// Reads and writes an app's memory with process_vm_readv/writev (one system call each). A bad pointer,
/// a short mapping or an app that has exited gives false, never an exception: the app's memory is input.
/// </summary>
internal static unsafe class AppMemory
{
    internal static bool TryRead(int pid, ulong address, Span<byte> destination)
    {
        if (destination.IsEmpty)
        {
            return true;
        }

        fixed (byte* buffer = destination)
        {
            var local = new Interop.Libc.IoVec { Base = buffer, Length = (nuint)destination.Length };
            var remote = new Interop.Libc.IoVec { Base = (void*)address, Length = (nuint)destination.Length };
            return Interop.Libc.ProcessVmReadv(pid, &local, 1, &remote, 1, 0) == destination.Length;
        }
    }

    internal static bool TryWrite(int pid, ulong address, ReadOnlySpan<byte> source)
    {
        if (source.IsEmpty)
        {
            return true;
        }

        fixed (byte* buffer = source)
        {
            var local = new Interop.Libc.IoVec { Base = buffer, Length = (nuint)source.Length };
            var remote = new Interop.Libc.IoVec { Base = (void*)address, Length = (nuint)source.Length };
            return Interop.Libc.ProcessVmWritev(pid, &local, 1, &remote, 1, 0) == source.Length;
        }
    }

    internal static bool TryReadInt32(int pid, ulong address, out int value)
    {
        Span<byte> bytes = stackalloc byte[4];
        bool ok = TryRead(pid, address, bytes);
        value = ok ? BitConverter.ToInt32(bytes) : 0;
        return ok;
    }
}
