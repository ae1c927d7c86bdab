namespace Ax.Interception;

internal enum OutcomeKind
{
    /// <summary>Answer with a return value.</summary>
    Value,

    /// <summary>Answer with -errno.</summary>
    Error,

    /// <summary>Let the kernel run the call as the app made it (only where no policy depends on pointer arguments).</summary>
    Continue,

    /// <summary>Already answered (SECCOMP_ADDFD_FLAG_SEND), or to be answered later (a blocking connect in progress).</summary>
    Answered,
}
