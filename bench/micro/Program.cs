using System.Runtime.Versioning;
using Ax.Micro;

[assembly: SupportedOSPlatform("linux")]

// Usage: Ax.Micro [rounds]. Prints one JSON record per line, as bench/lib/report.py reads them.
int rounds = args.Length > 0 && int.TryParse(args[0], out int r) ? r : 7;
foreach (string line in ServiceTableBenchmarks.Run(rounds).Concat(RoutingBenchmarks.Run(rounds)))
{
    Console.WriteLine(line);
}
