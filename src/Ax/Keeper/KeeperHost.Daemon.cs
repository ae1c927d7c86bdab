using System.Diagnostics;
using System.Globalization;
using Ax.Control;
using Ax.Interception;

namespace Ax.Keeper;

/// <summary>The keeper's side of the protocol with the daemon (see <see cref="KeeperProtocol"/>).</summary>
internal sealed partial class KeeperHost
{
    private void Accept()
    {
        if (_listen.TryAccept(out SeqpacketSocket? connection) != Errno.None)
        {
            return;
        }

        var peer = connection!.PeerCredentials();
        if (peer.Uid != 0)
        {
            Log.Refused(_logger, peer.Pid, (int)peer.Uid);
            connection.Dispose();
            return;
        }

        connection.SetSendTimeout(SendTimeout);

        // One daemon per run directory (its flock on ax.lock sees to that): a new connection means the
        // old daemon is gone, even if its hang-up has not been read yet.
        _daemon?.Dispose();
        _daemon = connection;
        _hadDaemon = true;
        Log.DaemonConnected(_logger, peer.Pid, _held.Count);
    }

    private void ServeDaemon()
    {
        Errno error = _daemon!.TryReceive(out string message, out OwnedFd? fd);
        if (error != Errno.None)
        {
            fd?.Dispose();
            DaemonGone();
            return;
        }

        if (!KeeperProtocol.TryParse(message, out string verb, out string argument))
        {
            fd?.Dispose();
            Log.Garbage(_logger, message.Length);
            DaemonGone();
            return;
        }

        switch (verb)
        {
            case KeeperProtocol.Hold when fd is not null && argument.Length > 0 && fd.IsSeccompListener:
                Remove(argument);
                _held[argument] = new HeldApp(argument, new SeccompListener(fd));
                return;
            case KeeperProtocol.Guard when fd is not null && argument.Length == 0 && fd.IsBpfLink:
                // The first of a new daemon's links: its programs are attached by now, so its
                // predecessor's, still held here, can go.
                DropGuardLinks();
                _guardLinks.Add(fd);
                Log.GuardHeld(_logger);
                return;
            case KeeperProtocol.Guard when fd is not null && argument == KeeperProtocol.GuardMore && fd.IsBpfLink:
                _guardLinks.Add(fd);
                return;
            case KeeperProtocol.Drop when argument.Length > 0:
                Remove(argument);
                break;
            case KeeperProtocol.List:
                SendAll();
                break;
            case KeeperProtocol.Clear:
                foreach (HeldApp app in _held.Values)
                {
                    app.Orphaned = true;
                }

                Log.Cleared(_logger, _held.Count);
                break;
            case KeeperProtocol.Grace when int.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out int seconds) && seconds <= MaxGraceSeconds:
                _grace = TimeSpan.FromSeconds(seconds);
                break;
            default:
                Log.Garbage(_logger, message.Length);
                break;
        }

        fd?.Dispose();
    }

    private void SendAll()
    {
        foreach (HeldApp app in _held.Values)
        {
            if (!app.Orphaned && _daemon!.TrySend($"{KeeperProtocol.App} {app.Id}", app.Listener.Fd) != Errno.None)
            {
                DaemonGone();
                return;
            }
        }

        if (_daemon!.TrySend(KeeperProtocol.End) != Errno.None)
        {
            DaemonGone();
        }
    }

    private void DaemonGone()
    {
        _daemon?.Dispose();
        _daemon = null;
        _daemonGoneAt = Stopwatch.GetTimestamp();
        Log.DaemonGone(_logger, _held.Count, (int)_grace.TotalSeconds);
    }

    private void Remove(string appId)
    {
        if (_held.Remove(appId, out HeldApp? app))
        {
            app.Dispose();
        }
    }
}
