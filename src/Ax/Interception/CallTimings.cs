using System.Diagnostics;

namespace Ax.Interception;

/// <summary>
/// Where the daemon's time goes on the two calls every client connection traps, socket() and
/// connect(), step by step: receiving the notification, copying the app's descriptor, reading the
/// sockaddr from its memory, the routing decision, the kernel call made for the app, and the answer
/// (with the descriptor injection for socket). Totals and counts only, added with Interlocked from the
/// session threads: two clock reads per step (vDSO, ~20 ns each) on a path of tens of microseconds.
/// `GET /api/v1/timings` reports them; `make bench` puts them in BENCHMARKS.md.
/// </summary>
internal static class CallTimings
{
    internal enum Call
    {
        Socket,
        Connect,
    }

    internal enum Step
    {
        Receive,
        DuplicateFd,
        ReadArguments,
        Route,
        KernelCall,
        Answer,
    }

    private static readonly int Steps = Enum.GetValues<Step>().Length;
    private static readonly long[] Ticks = new long[Enum.GetValues<Call>().Length * Steps];
    private static readonly long[] Counts = new long[Ticks.Length];

    internal static long Now() => Stopwatch.GetTimestamp();

    /// <summary>Adds the time from <paramref name="since"/> to now to a step, and returns now.</summary>
    internal static long Add(Call call, Step step, long since)
    {
        long now = Stopwatch.GetTimestamp();
        int slot = ((int)call * Steps) + (int)step;
        Interlocked.Add(ref Ticks[slot], now - since);
        Interlocked.Increment(ref Counts[slot]);
        return now;
    }

    internal static bool TryGetCall(int syscallNr, out Call call)
    {
        call = syscallNr == Interop.SyscallNumbers.Connect ? Call.Connect : Call.Socket;
        return syscallNr is Interop.SyscallNumbers.Socket or Interop.SyscallNumbers.Connect;
    }

    /// <summary>Each step's count and mean in microseconds, in order, per call.</summary>
    internal static IEnumerable<(Call Call, Step Step, long Count, double MeanMicroseconds)> Snapshot()
    {
        foreach (Call call in Enum.GetValues<Call>())
        {
            foreach (Step step in Enum.GetValues<Step>())
            {
                int slot = ((int)call * Steps) + (int)step;
                long count = Interlocked.Read(ref Counts[slot]);
                long ticks = Interlocked.Read(ref Ticks[slot]);
                if (count > 0)
                {
                    yield return (call, step, count, ticks * 1e6 / Stopwatch.Frequency / count);
                }
            }
        }
    }
}
