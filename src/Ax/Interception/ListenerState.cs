namespace Ax.Interception;

internal enum ListenerState
{
    Pending,
    Gone,

    /// <summary>A wait with a time limit ran out with nothing to receive.</summary>
    Idle,
}
