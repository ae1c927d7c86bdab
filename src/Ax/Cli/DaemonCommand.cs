using System.CommandLine;
using Ax.Daemon;

namespace Ax.Cli;

/// <summary><c>ax daemon</c>: start the node's daemon (seed 003, "Daemon").</summary>
internal static class DaemonCommand
{
    internal static Command Create()
    {
        var driver = new Option<string>("--driver")
        {
            Description = "System call forwarding driver: 'user' (seccomp user notification) or 'kernel'",
            DefaultValueFactory = _ => "user",
        };
        driver.AcceptOnlyFromAmong("user", "kernel");
        var nodeInterface = new Option<string?>("--node-interface")
        {
            Description = "Node interface for app sockets, by IP address or name, e.g. eth0 (default: the first non-loopback interface)",
        };
        var nodeName = new Option<string?>("--node-name") { Description = "Name of the node (default: the host name)" };
        var cluster = new Option<string>("--cluster")
        {
            Description = "Cluster name; required if the cluster is part of a federation",
            DefaultValueFactory = _ => "appswitch",
        };
        var ports = new Option<string>("--ports")
        {
            Description = "List (csv) of ports, or port ranges, reserved for applications",
            DefaultValueFactory = _ => ServiceTable.PortPool.DefaultText,
        };
        var restPort = new Option<int>("--rest-port")
        {
            Description = "REST API port number",
            DefaultValueFactory = _ => 6664,
        };
        restPort.Port();
        nodeInterface.NotEmpty("an interface name such as eth0 or one of the node's IPv4 addresses");
        nodeName.NotEmpty("a name for this node, or leave the flag out to use the host name");
        cluster.NotEmpty("a cluster name, or leave the flag out for 'appswitch'");
        ports.NotEmpty("ports or ranges such as 40000-60000");
        var clean = new Option<bool>("--clean") { Description = "Remove any saved state from previous sessions" };

        var command = new Command("daemon", "Start the AppSwitch daemon")
        {
            driver, nodeInterface, nodeName, cluster, ports, restPort, clean,
        };
        command.SetAction((result, _) => DaemonHost.RunAsync(new DaemonOptions
        {
            Driver = result.GetValue(driver)!,
            NodeInterface = result.GetValue(nodeInterface),
            NodeName = result.GetValue(nodeName),
            Cluster = result.GetValue(cluster)!,
            Ports = result.GetValue(ports)!,
            RestPort = result.GetValue(restPort),
            Clean = result.GetValue(clean),
            RunDir = RunDirectory.Resolve(result.GetValue(GlobalOptions.RunDir)),
        }));
        return command;
    }
}
