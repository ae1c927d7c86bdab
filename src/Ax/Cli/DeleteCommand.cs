using System.CommandLine;

namespace Ax.Cli;

/// <summary><c>ax delete vservice NAME</c> (seed 003, "Delete").</summary>
internal static class DeleteCommand
{
    internal static Command Create()
    {
        var name = new Argument<string>("name") { Description = "Name of the virtual service" };
        var vservice = new Command("vservice", "Delete a virtual service") { name };
        vservice.SetAction(async (result, cancellationToken) =>
        {
            string vserviceName = result.GetValue(name)!;
            var client = new ApiClient(RunDirectory.Resolve(result.GetValue(GlobalOptions.RunDir)));
            await client.DeleteAsync($"vservices/{Uri.EscapeDataString(vserviceName)}", cancellationToken);
            Console.Out.WriteLine($"Service '{vserviceName}' deleted successfully.");
            return 0;
        });

        var command = new Command("delete", "Delete a resource");
        command.Subcommands.Add(vservice);
        command.Subcommands.Add(RuleCommands.Delete());
        return command;
    }
}
