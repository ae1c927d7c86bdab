using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Ax.Cli;
using Ax.Launcher;

namespace Ax.Control;

/// <summary>
/// The daemon's half of the native launch (Launcher/Native/main.c): the process entry of <c>ax</c> launches
/// a plain <c>ax run</c> app without starting the .NET runtime, and the daemon decides everything for it with
/// the same parser and checks the full launcher uses. Two messages each way on the control socket:
/// <list type="number">
/// <item>launcher: <c>"ax-launch/1\0"</c> then its arguments after <c>ax</c>, each ending in NUL.</item>
/// <item>daemon: <c>"F"</c> (fall back to the full launcher), or <c>"G"</c>, the plan: u16 index of the
/// command in those arguments, u8 flags (<see cref="EnterNamespace"/>, <see cref="OverrideResolver"/>),
/// u16 count of filter instructions, u16 length of the resolv.conf path, the filter (struct sock_filter,
/// 8 bytes each), the path; all little-endian, and with a ready network namespace attached (SCM_RIGHTS)
/// when the plan says to enter one.</item>
/// <item>launcher, with the filter installed: <c>"L"</c> with the filter's listener attached.</item>
/// <item>daemon: <c>"A"</c> and the app's id, or <c>"E"</c> and why the app is refused.</item>
/// </list>
/// The constants here and in main.c are one protocol; the end-to-end tests run it.
/// </summary>
internal static class NativeLaunch
{
    internal const string Magic = "ax-launch/1\0";
    internal const byte EnterNamespace = 1;
    internal const byte OverrideResolver = 2;
    internal const int PlanHeader = 8;

    /// <summary>The filter every app gets, the same the full launcher installs.</summary>
    private static readonly Interop.Seccomp.SockFilter[] Filter = Interception.SeccompFilterProgram.Build();

    internal static ReadOnlySpan<byte> FallBack => "F"u8;

    internal static bool IsRequest(string text) => text.StartsWith(Magic, StringComparison.Ordinal);

    /// <summary>The launcher's arguments (what followed <c>ax</c> on its command line).</summary>
    internal static string[] ReadArguments(string text)
    {
        string arguments = text[Magic.Length..];
        if (arguments.EndsWith('\0'))
        {
            arguments = arguments[..^1];
        }

        return arguments.Length == 0 ? [] : arguments.Split('\0');
    }

    /// <summary>
    /// Reads the arguments as <c>ax run</c> would, and answers whether the native launcher can carry them out:
    /// only when the full launcher would also go ahead (every check it makes before it reaches the daemon
    /// passes), and nothing needs what only it does (--user, --interface). Otherwise null, and the full
    /// launcher runs, with its own words for whatever is wrong.
    /// </summary>
    internal static RunOptions? TryPlan(string[] arguments)
    {
        if (arguments.Length == 0 || arguments[0] != "run" || !RunFastPath.TryParse(arguments, out RunOptions? options))
        {
            return null;
        }

        if (options!.User is not null || options.Interface is not null || options.Command.Count == 0)
        {
            return null;
        }

        try
        {
            RunOptionChecks.Check(options);
        }
        catch (CliException)
        {
            return null;
        }

        return options;
    }

    internal static byte[] WritePlan(int commandIndex, byte flags, string? resolvConf)
    {
        ReadOnlySpan<byte> instructions = MemoryMarshal.AsBytes(Filter.AsSpan());
        byte[] path = Encoding.UTF8.GetBytes(resolvConf ?? string.Empty);
        var plan = new byte[PlanHeader + instructions.Length + path.Length];
        plan[0] = (byte)'G';
        BinaryPrimitives.WriteUInt16LittleEndian(plan.AsSpan(1), checked((ushort)commandIndex));
        plan[3] = flags;
        BinaryPrimitives.WriteUInt16LittleEndian(plan.AsSpan(4), checked((ushort)Filter.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(plan.AsSpan(6), checked((ushort)path.Length));
        instructions.CopyTo(plan.AsSpan(PlanHeader));
        path.CopyTo(plan.AsSpan(PlanHeader + instructions.Length));
        return plan;
    }

    internal static byte[] WriteAccepted(string appId) => Encoding.UTF8.GetBytes("A" + appId);

    internal static byte[] WriteRefused(string problem) => Encoding.UTF8.GetBytes("E" + problem);
}
