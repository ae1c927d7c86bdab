using System.Runtime.InteropServices;

namespace Ax.Floor;

/// <summary>
/// execfloor COMMAND [ARG...]: replaces itself with COMMAND (a path) at once. What `ax run` costs beyond
/// this is ax's own work; what this costs beyond COMMAND is the .NET runtime starting and being torn down.
/// </summary>
internal static unsafe partial class Program
{
    private static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: execfloor COMMAND [ARG...]");
            return 2;
        }

        var argv = new nint[args.Length + 1];
        for (int i = 0; i < args.Length; i++)
        {
            argv[i] = Marshal.StringToCoTaskMemUTF8(args[i]);
        }

        fixed (nint* vector = argv)
        {
            Execv(argv[0], vector);
        }

        Console.Error.WriteLine($"execfloor: cannot run {args[0]}: errno {Marshal.GetLastPInvokeError()}");
        return 127;
    }

    [LibraryImport("libc", EntryPoint = "execv", SetLastError = true)]
    private static partial int Execv(nint path, nint* argv);
}
