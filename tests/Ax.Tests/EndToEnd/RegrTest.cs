using System.Diagnostics;
using System.Xml.Linq;

namespace Ax.Tests.EndToEnd;

/// <summary>
/// Runs CPython's own regression tests (<c>python3 -m test</c>, from Debian's libpython3.11-testsuite)
/// in a test node, directly or under ax, and reads the per-case outcome from regrtest's JUnit report.
/// Debian's /usr/bin/python3 is named explicitly: its test package is the one installed, whatever
/// other python3 is first on PATH.
/// </summary>
internal static class RegrTest
{
    internal const string Python = "/usr/bin/python3";

    /// <summary>
    /// Runs <paramref name="modules"/>; <paramref name="match"/> narrows them to test ids matching
    /// those patterns (regrtest's -m). Test cases that need a hypervisor socket (AF_VSOCK, not
    /// confined by a network namespace: it would talk to this machine's host) never run. The
    /// "network" resource is enabled because test_socketserver asks for it although it only uses
    /// loopback; in a test node there is no route out, so nothing can leave the machine.
    /// </summary>
    internal static RegrTestResult Run(TestNode node, bool underAx, IReadOnlyList<string> modules, IReadOnlyList<string>? match = null, TimeSpan? timeout = null)
    {
        // WorkDir is RunDir/..; a node without a daemon has no RunDir, so name the directory lexically.
        string report = Path.Combine(Path.GetFullPath(node.WorkDir), $"regrtest-{(underAx ? "ax" : "direct")}-{Guid.NewGuid():N}.xml");
        List<string> args = [Python, "-m", "test", "-u", "network", "--timeout", "120", "--ignore", "*VSOCK*", "--junit-xml", report];
        foreach (string pattern in match ?? [])
        {
            args.AddRange(["-m", pattern]);
        }

        args.AddRange(modules);
        var clock = Stopwatch.StartNew();
        var command = underAx
            ? node.Run(["run", "--", .. args], ax: true, timeout: timeout ?? TimeSpan.FromMinutes(5))
            : node.Run(args, ax: false, timeout: timeout ?? TimeSpan.FromMinutes(5));
        clock.Stop();
        if (!File.Exists(report))
        {
            throw new InvalidOperationException($"regrtest wrote no report ({(underAx ? "under ax" : "directly")}; scripts/install-deps.sh installs libpython3.11-testsuite): {command}");
        }

        var outcomes = new Dictionary<string, RegrTestOutcome>();
        var failures = new Dictionary<string, string>();
        foreach (var testCase in XDocument.Load(report).Descendants("testcase"))
        {
            string id = (string?)testCase.Attribute("name") ?? "?";
            var problem = testCase.Element("failure") ?? testCase.Element("error");
            if (problem is not null)
            {
                outcomes[id] = RegrTestOutcome.Failed;
                // The end of the traceback says where and why; its start is unittest's own frames.
                string[] lines = problem.Value.Trim().Split('\n');
                failures[id] = string.Join("\n", lines[Math.Max(0, lines.Length - 8)..]);
            }
            else
            {
                outcomes[id] = testCase.Element("skipped") is not null ? RegrTestOutcome.Skipped : RegrTestOutcome.Passed;
            }
        }

        return new RegrTestResult(outcomes, failures, command, clock.Elapsed);
    }
}
