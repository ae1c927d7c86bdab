using Ax.Addressing;
using Ax.Apps;
using Ax.Contracts;
using Ax.Interception;
using Ax.Policy;
using Ax.ServiceTable;
using Microsoft.Extensions.Logging;

namespace Ax.Apps;

/// <summary>
/// A daemon started after another one died (or was stopped) takes the apps back: the keeper returns each
/// running app's listener, the saved state says who the app is, and the saved service table is kept
/// where its socket still listens (/proc/net/tcp, /proc/net/udp of the node namespace). The port pool
/// needs nothing: it only proposes ports and the kernel refuses those still bound (EADDRINUSE).
/// </summary>
internal sealed partial class AppLifecycle
{
    internal void Restore(List<(string AppId, OwnedFd Listener)> held)
    {
        var sessions = new List<AppSession>();
        var restored = new Dictionary<string, AppRecord>(StringComparer.Ordinal);
        foreach ((string appId, OwnedFd fd) in held)
        {
            if (restored.ContainsKey(appId))
            {
                fd.Dispose();
                continue;
            }

            // Without its saved description (lost, unreadable) the app is still served, with defaults:
            // better than cutting it off.
            AppRecord app = state.LoadApp(appId) ?? new AppRecord(appId, $"<{appId}>", LabelSet.Default, interception.NodeIp, false, 0, []);
            var listener = new SeccompListener(fd);
            Apps.Add(app);
            keeper.Track(appId, listener);
            restored[appId] = app;
            sessions.Add(new AppSession(app, interception, listener, End, restored: true));
        }

        state.ForgetAppsExcept(restored.Keys.ToHashSet(StringComparer.Ordinal));
        int services = RestoreServices(state.LoadServices(), restored);
        foreach (AppSession session in sessions)
        {
            session.Start();
        }

        if (restored.Count > 0)
        {
            Log.Restored(logger, restored.Count, services);
        }
    }

    private int RestoreServices(SavedServiceTable saved, Dictionary<string, AppRecord> apps)
    {
        HashSet<ulong> tcp = LiveSockets.ListeningTcpInodes();
        HashSet<ulong> udp = LiveSockets.UdpInodes();
        int count = 0;
        foreach (SavedService? service in saved.Services ?? [])
        {
            if (service is null)
            {
                continue;
            }

            var proto = service.Proto == "udp" ? TransportProtocol.Udp : TransportProtocol.Tcp;
            if (!apps.TryGetValue(service.AppId, out AppRecord? app) ||
                !(proto == TransportProtocol.Tcp ? tcp : udp).Contains(service.Inode) ||
                !Ipv4Endpoint.TryParse(service.ServiceAddr, out Ipv4Endpoint? serviceAddr) ||
                !Ipv4Endpoint.TryParse(service.HostAddr, out Ipv4Endpoint? hostAddr) ||
                !Ipv4Endpoint.TryParse(service.BindAddr, out Ipv4Endpoint? bindAddr))
            {
                continue;
            }

            interception.Services.Upsert(new ServiceEntry(Guid.NewGuid(), interception.NodeName, app.Id, proto, serviceAddr.Value, hostAddr.Value, bindAddr.Value, app.Labels, service.Inode, service.Backlog));
            count++;
        }

        foreach (SavedBinding? binding in saved.Bindings ?? [])
        {
            if (binding is not null && apps.ContainsKey(binding.AppId) && binding.HostPort is > 0 and <= ushort.MaxValue &&
                Ipv4Endpoint.TryParse(binding.VirtualAddr, out Ipv4Endpoint? virtualAddr))
            {
                interception.Bindings.Set((ushort)binding.HostPort, new Binding(binding.AppId, virtualAddr.Value));
            }
        }

        return count;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Took back {Apps} running app(s) and {Services} service(s) from the previous daemon")]
        internal static partial void Restored(ILogger logger, int apps, int services);
    }
}
