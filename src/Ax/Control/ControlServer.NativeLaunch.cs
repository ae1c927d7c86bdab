using Ax.Apps;
using Ax.Interception;
using Ax.Launcher;

namespace Ax.Control;

/// <summary>The daemon's side of the native launcher's exchange (<see cref="NativeLaunch"/>).</summary>
internal sealed partial class ControlServer
{
    /// <summary>
    /// Answers the launcher's arguments with a plan, or with "fall back". Returns the app's options when the
    /// launcher was told to go ahead.
    /// </summary>
    private RunOptions? PlanNatively(SeqpacketSocket connection, string text)
    {
        string[] arguments = NativeLaunch.ReadArguments(text);
        RunOptions? options = NativeLaunch.TryPlan(arguments);

        // The native launcher cannot make a namespace of its own (it would need the netlink code of the
        // full one to bring lo up), so it goes ahead only with a ready one, which is the common case.
        using OwnedFd? readyNamespace = options is { NewNetns: true } ? _namespaces?.TryTake() : null;
        if (options is null || (options.NewNetns && readyNamespace is null))
        {
            connection.TrySend(NativeLaunch.FallBack);
            return null;
        }

        string? resolvConf = options.DnsOverride ? _resolvConf : null;
        byte flags = (byte)((readyNamespace is not null ? NativeLaunch.EnterNamespace : 0) |
                            (resolvConf is not null ? NativeLaunch.OverrideResolver : 0));
        byte[] plan = NativeLaunch.WritePlan(arguments.Length - options.Command.Count, flags, resolvConf);
        return connection.TrySend(plan, readyNamespace?.Fd ?? -1) == Errno.None ? options : null;
    }

    /// <summary>A launcher's mistake or a bug in planning must not take the daemon down: the launcher falls back.</summary>
    private RunOptions? PlanSafely(SeqpacketSocket connection, string text)
    {
        try
        {
            return PlanNatively(connection, text);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException or OverflowException)
        {
            Log.PlanFailed(_logger, ex.Message);
            connection.TrySend(NativeLaunch.FallBack);
            return null;
        }
    }

    /// <summary>
    /// The launcher installs the filter and sends its listener, or, if it found no command or could not
    /// install the filter, hangs up and runs the full launcher, which explains.
    /// </summary>
    private void AdmitNatively(SeqpacketSocket connection, RunOptions options)
    {
        if (connection.TryReceive(out string next, out OwnedFd? listenerFd) != Errno.None || next != "L")
        {
            listenerFd?.Dispose();
            return;
        }

        try
        {
            if (!TryAdmit(connection, options.ToRequest(), ref listenerFd, out AppRecord? app, out SeccompListener? listener, out string? problem))
            {
                connection.TrySend(NativeLaunch.WriteRefused(problem!));
                return;
            }

            connection.TrySend(NativeLaunch.WriteAccepted(app!.Id));
            _apps.StartServing(app, listener!, "native");
        }
        finally
        {
            listenerFd?.Dispose();
        }
    }
}
