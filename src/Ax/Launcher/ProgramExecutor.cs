using System.Runtime.InteropServices;
using System.Text;

namespace Ax.Launcher;

/// <summary>Replaces this process with the app (execve), keeping the environment byte for byte.</summary>
internal static unsafe class ProgramExecutor
{
    /// <summary>Returns only on failure, with the errno execve gave.</summary>
    internal static Errno Exec(string path, IReadOnlyList<string> argv)
    {
        // Native copies: on success the process image is replaced, so nothing needs freeing.
        byte* pathPointer = ToNative(Encoding.UTF8.GetBytes(path));
        byte** argvPointers = ToNativeArray(argv.Select(a => Encoding.UTF8.GetBytes(a)).ToList());
        byte** envPointers = ToNativeArray(ReadEnvironment());
        Interop.Libc.Execve(pathPointer, argvPointers, envPointers);
        return Interop.LastErrno();
    }

    /// <summary>The environment ax was started with, as the kernel holds it (NUL-separated).</summary>
    private static List<byte[]> ReadEnvironment()
    {
        byte[] block;
        try
        {
            block = File.ReadAllBytes("/proc/self/environ");
        }
        catch (IOException)
        {
            return [];
        }

        var entries = new List<byte[]>();
        foreach (Range range in block.AsSpan().Split((byte)0))
        {
            if (!block.AsSpan()[range].IsEmpty)
            {
                entries.Add(block[range]);
            }
        }

        return entries;
    }

    private static byte** ToNativeArray(List<byte[]> strings)
    {
        var array = (byte**)NativeMemory.Alloc((nuint)(strings.Count + 1), (nuint)sizeof(byte*));
        for (int i = 0; i < strings.Count; i++)
        {
            array[i] = ToNative(strings[i]);
        }

        array[strings.Count] = null;
        return array;
    }

    private static byte* ToNative(byte[] text)
    {
        var native = (byte*)NativeMemory.Alloc((nuint)text.Length + 1);
        text.CopyTo(new Span<byte>(native, text.Length));
        native[text.Length] = 0;
        return native;
    }
}
