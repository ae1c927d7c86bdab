using Ax.Addressing;
using Ax.Dns;
using Ax.Routing;

namespace Ax.Interception;

internal sealed partial class SyscallHandler
{
    /// <summary>The nameservers of the resolv.conf the app sees, read at its first DNS query on this thread (<see cref="AppResolvers"/>).</summary>
    private IReadOnlyList<Ipv4Endpoint>? _resolvers;

    /// <summary>
    /// A query to one of the app's own nameservers goes to ax's DNS server instead, where ax could not mount
    /// its resolv.conf over the app's (an unprivileged container: no CAP_SYS_ADMIN), so ax names resolve there
    /// as everywhere else; names ax does not know are forwarded to the node's nameservers as for any app.
    /// Only a destination that routes as plain egress is steered (an ax service on port 53 stays what it is),
    /// and never for an app started with --dns-override=false. The app sees the nameserver it asked in
    /// getpeername and as the source of the answers (PeerAddresses/), which glibc and musl check.
    /// </summary>
    private bool TrySteerToAxDns(int pid, in RouteDecision route, Ipv4Endpoint asked, out RouteDecision steered)
    {
        steered = route;
        if (asked.Port != DnsServerList.DnsPort || route.IsRefused || route.Server is not null || route.Target != asked ||
            _node.DnsServer is not { } axServer || _app.KeepsHostResolver || asked == axServer)
        {
            return false;
        }

        _resolvers ??= AppResolvers.Read(pid, axServer);
        foreach (Ipv4Endpoint nameserver in _resolvers)
        {
            if (nameserver == asked)
            {
                steered = RouteDecision.Egress(axServer);
                return true;
            }
        }

        return false;
    }
}
