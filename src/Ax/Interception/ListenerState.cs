namespace Ax.Interception;

internal enum ListenerState
{
    Pending,
    Gone,
}
