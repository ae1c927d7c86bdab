using System.Runtime.InteropServices;
using System.Text;

namespace Ax.Launcher;

/// <summary>Replaces this process with the app (execve), keeping the environment byte for byte.</summary>
internal static unsafe class ProgramExecutor
{
    /// <summary>
    /// Returns only on failure, with the errno exec gave. With <paramref name="environment"/> (what
    /// <see cref="Environment"/> read earlier) the app gets exactly that; without, it gets ax's environment
    /// as the kernel handed it to ax (libc's <c>environ</c>, which ax never changes), with no copy:
    /// reading /proc/self/environ cost every launch ~0.2 ms (perf on `ax run -- true`).
    /// </summary>
    internal static Errno Exec(string path, IReadOnlyList<string> argv, List<byte[]>? environment)
    {
        // Native copies: on success the process image is replaced, so nothing needs freeing.
        byte* pathPointer = ToNative(Encoding.UTF8.GetBytes(path));
        byte** argvPointers = ToNativeArray(argv.Select(a => Encoding.UTF8.GetBytes(a)).ToList());

        // The .NET runtime ignores SIGPIPE, and an ignored signal stays ignored across execve: the app
        // would get EPIPE where it expects to die of SIGPIPE (`yes | head` would not end quietly). It gets
        // the caller's disposition back; handled signals reset to the default at execve by themselves.
        if (!CallerIgnoredSigPipe())
        {
            Interop.Libc.Signal(Interop.Libc.SIGPIPE, Interop.Libc.SIG_DFL);
        }

        if (environment is null)
        {
            Interop.Libc.Execv(pathPointer, argvPointers);
        }
        else
        {
            Interop.Libc.Execve(pathPointer, argvPointers, ToNativeArray(environment));
        }

        return Interop.LastErrno();
    }

    private static bool CallerIgnoredSigPipe()
    {
        try
        {
            return Interop.NativeEntry.CallerIgnoredSigPipe() != 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // not the published binary (tests run the launcher's code in-process)
        }
    }

    /// <summary>The environment ax was started with, as the kernel holds it (NUL-separated).</summary>
    private static List<byte[]> ReadEnvironment()
    {
        byte[] block;
        try
        {
            block = File.ReadAllBytes("/proc/self/environ");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
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

    /// <summary>
    /// The environment for the app: ax's own, with <paramref name="overrides"/> replacing (or adding)
    /// those variables. Read it before changing user: /proc/self/environ is closed to us once setuid has
    /// made the process non-dumpable.
    /// </summary>
    internal static List<byte[]> Environment(IReadOnlyDictionary<string, string>? overrides)
    {
        List<byte[]> environment = ReadEnvironment();
        if (overrides is null)
        {
            return environment;
        }

        var result = environment
            .Where(entry => !overrides.Keys.Any(key => entry.AsSpan().StartsWith(Encoding.UTF8.GetBytes(key + "="))))
            .ToList();
        result.AddRange(overrides.Select(pair => Encoding.UTF8.GetBytes($"{pair.Key}={pair.Value}")));
        return result;
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
