using System.CommandLine;
using System.Text.Json;
using Ax.Contracts;

namespace Ax.Cli;

/// <summary><c>ax get apps|servers|sockets|proxies|vservices|nodes</c>: list the daemon's resources (seed 003, "Get").</summary>
internal static class GetCommand
{
    internal static Command Create()
    {
        var output = new Option<string>("--output", "-o")
        {
            Description = "Output format: table, wide or json",
            DefaultValueFactory = _ => "table",
        };
        output.AcceptOnlyFromAmong("table", "wide", "json");

        var allNodes = new Option<bool>("--all-nodes") { Description = "List the apps of every node of the cluster (default: this node's)" };
        var command = new Command("get", "Get active resources");
        command.Subcommands.Add(Resource("apps", "Applications running under AppSwitch", output, AxJsonContext.Default.AppInfoArray, RenderApps, allNodes));
        command.Subcommands.Add(Resource("servers", "Services in the service table", output, AxJsonContext.Default.ServerInfoArray, RenderServers));
        command.Subcommands.Add(Resource("sockets", "Sockets AppSwitch bound for applications", output, AxJsonContext.Default.SocketInfoArray, RenderSockets));
        command.Subcommands.Add(Resource("proxies", "Proxies the daemon runs", output, AxJsonContext.Default.ProxyInfoArray, RenderProxies));
        command.Subcommands.Add(Resource("vservices", "Virtual services", output, AxJsonContext.Default.VServiceInfoArray, RenderVServices));
        command.Subcommands.Add(RuleCommands.Get());
        command.Subcommands.Add(Resource("nodes", "Nodes of the cluster", output, AxJsonContext.Default.ClusterNodeInfoArray, RenderNodes));
        return command;
    }

    private static Command Resource<T>(
        string name,
        string description,
        Option<string> output,
        System.Text.Json.Serialization.Metadata.JsonTypeInfo<T[]> typeInfo,
        Func<T[], bool, string> render,
        Option<bool>? allNodes = null)
    {
        var command = new Command(name, description) { output };
        if (allNodes is not null)
        {
            command.Options.Add(allNodes);
        }

        command.SetAction(async (result, cancellationToken) =>
        {
            var client = new ApiClient(RunDirectory.Resolve(result.GetValue(GlobalOptions.RunDir)));
            string path = allNodes is not null && result.GetValue(allNodes) ? "cluster/" + name : name;
            T[] rows = await client.GetAsync(path, typeInfo, cancellationToken);
            string format = result.GetValue(output)!;
            Console.Out.Write(format == "json" ? JsonSerializer.Serialize(rows, typeInfo) + Environment.NewLine : render(rows, format == "wide"));
            return 0;
        });
        return command;
    }

    private static string RenderApps(AppInfo[] apps, bool wide) => TableWriter.Render(
        wide ? ["NAME", "APPID", "NODEID", "CLUSTER", "APPIP", "DRIVER", "LABELS", "ZONES", "PID", "COMMAND"]
             : ["NAME", "APPID", "NODEID", "CLUSTER", "APPIP", "DRIVER", "LABELS", "ZONES"],
        apps.Select(a =>
        {
            string[] row = [a.Name, a.AppId, a.NodeId, a.Cluster, a.AppIp, a.Driver, string.Join(',', a.Labels), $"[{string.Join(' ', a.Zones)}]"];
            return wide ? [.. row, a.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), string.Join(' ', a.Command)] : (IReadOnlyList<string>)row;
        }));

    private static string RenderServers(ServerInfo[] servers, bool wide) => TableWriter.Render(
        wide ? ["NODEID", "CLUSTER", "APPID", "PROTO", "SERVICEADDR", "IPV4ADDR", "LABELS"]
             : ["NODEID", "CLUSTER", "APPID", "PROTO", "SERVICEADDR", "IPV4ADDR"],
        servers.Select(s =>
        {
            string[] row = [s.NodeId, s.Cluster, s.AppId, s.Proto, s.ServiceAddr, s.Ipv4Addr];
            return wide ? [.. row, string.Join(',', s.Labels)] : (IReadOnlyList<string>)row;
        }));

    private static string RenderSockets(SocketInfo[] sockets, bool wide) => TableWriter.Render(
        ["ID", "NODEID", "APPID", "INODE", "PROTO", "FLAGS", "BINDIP", "BACKLOG"],
        sockets.Select(s => (IReadOnlyList<string>)
        [
            s.Id, s.NodeId, s.AppId, s.Inode.ToString(System.Globalization.CultureInfo.InvariantCulture), s.Proto,
            s.Flags.ToString(System.Globalization.CultureInfo.InvariantCulture), s.BindIp,
            s.Backlog.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ]));

    private static string RenderProxies(ProxyInfo[] proxies, bool wide) => TableWriter.Render(
        wide ? ["ID", "PROTO", "LISTENER", "DIALERS", "OWNER"] : ["ID", "PROTO", "LISTENER", "DIALERS"],
        proxies.Select(p =>
        {
            string[] row = [p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), p.Proto, p.Listener, $"[{string.Join(' ', p.Dialers)}]"];
            return wide ? [.. row, p.Owner ?? string.Empty] : (IReadOnlyList<string>)row;
        }));

    /// <summary>Columns as the seed prints them: VSPORTS as <c>[{8000 10000}]</c>, VSBACKENDIPS as <c>[10.0.2.15]</c>.</summary>
    private static string RenderVServices(VServiceInfo[] vservices, bool wide) => TableWriter.Render(
        wide ? ["VSNAME", "VSTYPE", "VSIP", "VSPORTS", "VSBACKENDIPS", "EXTERNAL", "SOURCEIP"]
             : ["VSNAME", "VSTYPE", "VSIP", "VSPORTS", "VSBACKENDIPS"],
        vservices.Select(v =>
        {
            string ports = "[" + string.Join(' ', v.Ports.Select(p => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{{{p.VirtualPort} {p.AppPort}}}"))) + "]";
            string[] row = [v.Name, v.LbType ?? "Random", v.Ip, ports, $"[{string.Join(' ', v.Backends)}]"];
            return wide ? [.. row, v.External ? "true" : "false", v.SourceIp ?? string.Empty] : (IReadOnlyList<string>)row;
        }));

    private static string RenderNodes(ClusterNodeInfo[] nodes, bool wide) => TableWriter.Render(
        wide ? ["NODEID", "CLUSTER", "NODEIP", "GOSSIP", "SYNC", "STATUS"] : ["NODEID", "CLUSTER", "NODEIP", "GOSSIP", "STATUS"],
        nodes.Select(n =>
        {
            string gossip = n.GossipPort?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-";
            return wide
                ? [n.NodeId, n.Cluster, n.NodeIp, gossip, n.SyncPort?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-", n.Status]
                : (IReadOnlyList<string>)[n.NodeId, n.Cluster, n.NodeIp, gossip, n.Status];
        }));
}
