using Ax.Apps;
using Ax.Contracts;
using Ax.Proxies;
using Ax.ServiceTable;

namespace Ax.Api;

/// <summary>
/// Turns the daemon's tables into the rows the REST API returns. Every row names the node that owns it:
/// services and sockets of the whole cluster are in this node's table; apps are this node's unless the
/// caller asks for every node's.
/// </summary>
internal sealed class ResourceViews(string nodeName, string cluster, AppRegistry apps, ServiceRegistry services, ProxyTable proxies)
{
    internal AppInfo[] Apps(bool allNodes = false)
    {
        var rows = apps.All.Select(a => Row(a, nodeName));
        if (allNodes)
        {
            rows = rows.Concat(apps.PeerApps.SelectMany(peer => peer.Value.Select(a => Row(a, peer.Key))));
        }

        return [.. rows.OrderBy(static a => a.NodeId, StringComparer.Ordinal).ThenBy(static a => a.AppId, StringComparer.Ordinal)];
    }

    internal ServerInfo[] Servers() =>
    [
        .. Entries().Select(e => new ServerInfo(
            e.Node,
            cluster,
            e.AppId,
            Proto(e.Proto),
            e.ServiceAddr.ToString(),
            e.HostAddr.ToString(),
            e.Labels.Labels)),
    ];

    internal SocketInfo[] Sockets() =>
    [
        .. Entries().Select(e => new SocketInfo(
            e.SocketId.ToString(),
            e.Node,
            e.AppId,
            e.Inode,
            Proto(e.Proto),
            0,
            e.BindAddr.ToString(),
            e.Backlog)),
    ];

    internal ProxyInfo[] Proxies() => proxies.List();

    private AppInfo Row(AppRecord a, string node) => new(
        a.Name,
        a.Id,
        node,
        cluster,
        a.IpText,
        "user",
        a.Labels.Labels,
        [.. a.Labels.Zones],
        a.Pid,
        a.Command);

    private IEnumerable<ServiceEntry> Entries() =>
        services.Current.All
            .OrderBy(e => e.ServiceAddr.Address)
            .ThenBy(e => e.ServiceAddr.Port)
            .ThenBy(e => e.Node, StringComparer.Ordinal)
            .ThenBy(e => e.AppId, StringComparer.Ordinal);

    private static string Proto(TransportProtocol proto) => proto == TransportProtocol.Tcp ? "tcp" : "udp";
}
