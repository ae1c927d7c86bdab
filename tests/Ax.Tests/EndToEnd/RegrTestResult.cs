namespace Ax.Tests.EndToEnd;

/// <summary>
/// What one run of CPython's regression tests reported: each test case's outcome by its dotted id
/// (<c>test.test_socket.TCPTimeoutTest.testInterruptedTimeout</c>), and the traceback of each that failed.
/// </summary>
internal sealed record RegrTestResult(
    IReadOnlyDictionary<string, RegrTestOutcome> Outcomes,
    IReadOnlyDictionary<string, string> Failures,
    CommandResult Command,
    TimeSpan Duration)
{
    internal IEnumerable<string> Passed => Outcomes.Where(o => o.Value == RegrTestOutcome.Passed).Select(o => o.Key);

    internal int Count(RegrTestOutcome outcome) => Outcomes.Count(o => o.Value == outcome);
}
