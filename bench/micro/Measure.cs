using System.Diagnostics;

namespace Ax.Micro;

/// <summary>
/// A small harness in the manner of BenchmarkDotNet: warm up until the JIT has tiered up, pick an
/// operation count that runs for a fixed time, then time whole batches and report nanoseconds per op.
/// </summary>
internal static class Measure
{
    private static readonly TimeSpan Warmup = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Batch = TimeSpan.FromMilliseconds(200);

    /// <summary>Nanoseconds per call of <paramref name="operation"/>, which runs <c>n</c> times per call of the delegate.</summary>
    internal static double NanosecondsPerOp(Func<int, long> operation)
    {
        int n = 1024;
        var clock = Stopwatch.StartNew();
        long sink = 0;
        while (clock.Elapsed < Warmup)
        {
            sink += operation(n);
        }

        // Size a batch to ~200 ms.
        var probe = Stopwatch.StartNew();
        sink += operation(n);
        double perOp = Math.Max(probe.Elapsed.TotalNanoseconds / n, 0.1);
        int batch = (int)Math.Clamp(Batch.TotalNanoseconds / perOp, 1024, 200_000_000);

        var timer = Stopwatch.StartNew();
        sink += operation(batch);
        double ns = timer.Elapsed.TotalNanoseconds / batch;
        GC.KeepAlive(sink);
        return ns;
    }
}
