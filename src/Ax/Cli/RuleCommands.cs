using System.CommandLine;
using System.Text.Json;
using Ax.Routing.Amalgam8;
using Ax.Routing.Rules;

namespace Ax.Cli;

/// <summary>
/// <c>ax create rule -f FILE</c>, <c>ax get rules [-o json|yaml|wide]</c> and <c>ax delete rule ID...</c>: Amalgam8
/// routing rules (issue 18), in the shape of the vservice commands. A rules file is JSON or YAML, one rule or
/// a <c>{"rules": [...]}</c> set, exactly as Amalgam8's tools take it.
/// </summary>
internal static class RuleCommands
{
    internal static Command Create()
    {
        var file = new Option<string>("--filename", "-f")
        {
            Description = "File with the rules, JSON or YAML: one rule or an Amalgam8 {\"rules\": [...]} set ('-' reads standard input)",
            Required = true,
        };
        var command = new Command("rule", "Create Amalgam8 routing rules (a rule with the id of one of this node's replaces it)") { file };
        command.SetAction(async (result, cancellationToken) =>
        {
            string path = result.GetValue(file)!;
            string text = await ReadAsync(path, cancellationToken);

            // The daemon checks again; checking here first gives the same sentence without a daemon.
            if (!A8RuleParser.TryParse(text, out A8Rule[]? rules, out string? problem))
            {
                throw new CliException($"{(path == "-" ? "standard input" : path)}: {problem}", 2);
            }

            var client = new ApiClient(RunDirectory.Resolve(result.GetValue(GlobalOptions.RunDir)));
            RuleIds created = await client.PostAsync("rules", new A8RuleSet(rules), RuleJsonContext.Default.A8RuleSet, RuleJsonContext.Default.RuleIds, cancellationToken);
            foreach (string id in created.Ids)
            {
                Console.Out.WriteLine($"Rule '{id}' created successfully.");
            }

            return 0;
        });
        return command;
    }

    internal static Command Get()
    {
        var output = new Option<string>("--output", "-o")
        {
            Description = "Output format: table, wide (adds what is not enforced at connect time), json or yaml",
            DefaultValueFactory = _ => "table",
        };
        output.AcceptOnlyFromAmong("table", "wide", "json", "yaml");
        var command = new Command("rules", "Amalgam8 routing rules of the cluster") { output };
        command.SetAction(async (result, cancellationToken) =>
        {
            var client = new ApiClient(RunDirectory.Resolve(result.GetValue(GlobalOptions.RunDir)));
            A8RuleSet set = await client.GetAsync("rules", RuleJsonContext.Default.A8RuleSet, cancellationToken);
            string json = JsonSerializer.Serialize(set with { Revision = null }, RuleJsonContext.Default.A8RuleSet);
            Console.Out.Write(result.GetValue(output) switch
            {
                "json" => json + Environment.NewLine,
                "yaml" => RuleYaml.FromJson(json),
                string format => RuleTable.Render(set.Rules, format == "wide"),
                null => RuleTable.Render(set.Rules, wide: false),
            });
            return 0;
        });
        return command;
    }

    internal static Command Delete()
    {
        var ids = new Argument<string[]>("id") { Description = "Ids of the rules ('ax get rules' lists them)", Arity = ArgumentArity.OneOrMore };
        var command = new Command("rule", "Delete Amalgam8 routing rules by id (all or none)") { ids };
        command.SetAction(async (result, cancellationToken) =>
        {
            string[] given = result.GetValue(ids)!;
            var client = new ApiClient(RunDirectory.Resolve(result.GetValue(GlobalOptions.RunDir)));
            await client.DeleteAsync("rules?" + string.Join('&', given.Select(static id => "id=" + Uri.EscapeDataString(id))), cancellationToken);
            foreach (string id in given)
            {
                Console.Out.WriteLine($"Rule '{id}' deleted successfully.");
            }

            return 0;
        });
        return command;
    }

    private static async Task<string> ReadAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return path == "-" ? await Console.In.ReadToEndAsync(cancellationToken) : await File.ReadAllTextAsync(path, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read the rules file {path} ({ex.Message.ReplaceLineEndings(" ")}); give a readable file, or '-' for standard input", 2);
        }
    }
}
