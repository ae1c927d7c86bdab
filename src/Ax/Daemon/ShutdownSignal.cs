using System.Runtime.InteropServices;

namespace Ax.Daemon;

/// <summary>
/// Completes when the daemon is asked to stop: SIGTERM (systemd, kill), SIGINT (Ctrl-C) or SIGQUIT. The
/// signals are handled, not left to their default, so the daemon stops in order: it deletes its sockets
/// and disposes what it holds, the keeper keeping apps' listeners meanwhile.
/// </summary>
internal sealed class ShutdownSignal : IDisposable
{
    private readonly TaskCompletionSource _stop = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly PosixSignalRegistration[] _registrations;

    internal ShutdownSignal()
    {
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGQUIT, Handle),
        ];
    }

    internal Task Task => _stop.Task;

    private void Handle(PosixSignalContext context)
    {
        context.Cancel = true;
        _stop.TrySetResult();
    }

    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in _registrations)
        {
            registration.Dispose();
        }
    }
}
