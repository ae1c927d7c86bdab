using System.CommandLine;
using Ax.Contracts;
using Ax.VServices;

namespace Ax.Cli;

/// <summary><c>ax create vservice NAME --ip A --backends csv --ports vport:appport[,...]</c> (seed 003, "Create").</summary>
internal static class CreateCommand
{
    internal static Command Create()
    {
        var command = new Command("create", "Create a resource");
        command.Subcommands.Add(VService());
        command.Subcommands.Add(RuleCommands.Create());
        return command;
    }

    private static Command VService()
    {
        var name = new Argument<string>("name") { Description = "Name of the virtual service (also its DNS name)" };
        var ip = new Option<string>("--ip") { Description = "IPv4 address for the virtual service", Required = true };
        var external = new Option<bool>("--external") { Description = "Make this vservice external: also serve its virtual ports on the node's IP, for clients not under ax (default: false)" };
        var lbType = new Option<string>("--lbtype")
        {
            Description = "Load Balancer Type <possible values: Random, RoundRobin>",
            DefaultValueFactory = _ => "Random",
        };
        var backends = new Option<string>("--backends")
        {
            Description = "Comma separated list of IPv4 IPs (the ax services there, on the application port) or ip:port pairs",
            Required = true,
        };
        var ports = new Option<string>("--ports", "--expose")
        {
            Description = "Comma separated list of <virtual port:application port>",
            Required = true,
        };
        var sourceIp = new Option<string?>("--source-ip") { Description = "Host IP address to use when making the outbound connection (default: the kernel picks it)" };

        var command = new Command("vservice", "Create a virtual service") { name, ip, external, lbType, backends, ports, sourceIp };
        command.SetAction(async (result, cancellationToken) =>
        {
            if (!VServiceValidation.TryParsePorts(result.GetValue(ports)!, out List<VServicePort>? portPairs, out string? problem))
            {
                throw new CliException(problem, 2);
            }

            var spec = new VServiceInfo(
                result.GetValue(name)!,
                result.GetValue(lbType),
                result.GetValue(ip)!,
                portPairs,
                [.. result.GetValue(backends)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)],
                result.GetValue(external),
                result.GetValue(sourceIp));

            // The daemon checks again; checking here first gives the same sentence without a daemon.
            if (!VServiceValidation.TryCreate(spec, out _, out problem))
            {
                throw new CliException(problem, 2);
            }

            var client = new ApiClient(RunDirectory.Resolve(result.GetValue(GlobalOptions.RunDir)));
            VServiceInfo created = await client.PostAsync("vservices", spec, AxJsonContext.Default.VServiceInfo, AxJsonContext.Default.VServiceInfo, cancellationToken);
            Console.Out.WriteLine($"Service '{created.Name}' created successfully with IP '{created.Ip}'.");
            return 0;
        });
        return command;
    }
}
