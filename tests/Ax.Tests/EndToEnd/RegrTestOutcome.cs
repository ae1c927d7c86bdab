namespace Ax.Tests.EndToEnd;

/// <summary>A test case's outcome in CPython's regrtest JUnit report.</summary>
internal enum RegrTestOutcome
{
    /// <summary>The report has no such case (the default, so a lookup that misses never reads as a pass).</summary>
    Missing,
    Passed,
    Skipped,
    Failed,
}
