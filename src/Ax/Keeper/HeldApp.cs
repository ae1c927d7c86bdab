using Ax.Interception;

namespace Ax.Keeper;

/// <summary>
/// One app's seccomp listener, held by the keeper. <see cref="Orphaned"/> apps were left behind by a
/// daemon started with --clean: no daemon will serve them again, so the keeper answers them itself.
/// </summary>
internal sealed class HeldApp(string id, SeccompListener listener) : IDisposable
{
    internal string Id { get; } = id;

    internal SeccompListener Listener { get; } = listener;

    internal bool Orphaned { get; set; }

    internal DaemonlessAnswerer? Answerer { get; set; }

    public void Dispose()
    {
        Answerer?.Dispose();
        Listener.Dispose();
    }
}
