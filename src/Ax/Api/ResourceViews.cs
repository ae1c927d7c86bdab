using Ax.Contracts;
using Ax.Interception;
using Ax.ServiceTable;

namespace Ax.Api;

/// <summary>Turns the daemon's state into the rows the REST API returns.</summary>
internal sealed class ResourceViews(NodeContext node)
{
    internal AppInfo[] Apps() =>
    [
        .. node.Apps.All.Select(a => new AppInfo(
            a.Name,
            a.Id,
            node.NodeName,
            node.Cluster,
            a.IpText,
            "user",
            a.Labels.Labels,
            [.. a.Labels.Zones],
            a.Pid,
            a.Command)),
    ];

    internal ServerInfo[] Servers() =>
    [
        .. Entries().Select(e => new ServerInfo(
            node.NodeName,
            node.Cluster,
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
            node.NodeName,
            e.AppId,
            e.Inode,
            Proto(e.Proto),
            0,
            e.BindAddr.ToString(),
            e.Backlog)),
    ];

    internal ProxyInfo[] Proxies() => node.Proxies.List();

    private IEnumerable<ServiceEntry> Entries() =>
        node.Services.Current.ByInode.Values
            .OrderBy(e => e.ServiceAddr.Address)
            .ThenBy(e => e.ServiceAddr.Port)
            .ThenBy(e => e.AppId, StringComparer.Ordinal);

    private static string Proto(TransportProtocol proto) => proto == TransportProtocol.Tcp ? "tcp" : "udp";
}
