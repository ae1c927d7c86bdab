namespace Ax.Interception;

/// <summary>How a trapped call is answered: an expected result, carried as a value on the hot path.</summary>
internal readonly record struct Outcome(OutcomeKind Kind, long Value, Errno Error)
{
    internal static Outcome Success { get; } = new(OutcomeKind.Value, 0, Errno.None);

    internal static Outcome Continue { get; } = new(OutcomeKind.Continue, 0, Errno.None);

    internal static Outcome Answered { get; } = new(OutcomeKind.Answered, 0, Errno.None);

    internal static Outcome Fail(Errno error) => new(OutcomeKind.Error, 0, error);

    internal static Outcome FromResult(int result) => result == 0 ? Success : Fail(Interop.LastErrno());
}
