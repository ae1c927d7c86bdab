using System.Globalization;
using Ax.Routing.Amalgam8;
using Ax.Routing.Rules;

namespace Ax.Cli;

/// <summary>
/// The table of <c>ax get rules</c>: one row per rule, the route's backends with the share of connections each
/// gets (unweighted backends split what the weighted ones leave, as Amalgam8 defines), and with <c>wide</c>
/// the fields a connect-time router cannot enforce (<see cref="NotEnforced"/>).
/// </summary>
internal static class RuleTable
{
    internal static string Render(A8Rule[] rules, bool wide) => TableWriter.Render(
        wide ? ["ID", "DESTINATION", "PRIORITY", "KIND", "MATCH", "BACKENDS/ACTIONS", "TAGS", "NOT-ENFORCED"]
             : ["ID", "DESTINATION", "PRIORITY", "KIND", "MATCH", "BACKENDS/ACTIONS"],
        rules.Select(r =>
        {
            string[] row =
            [
                r.Id ?? string.Empty, r.Destination, r.Priority.ToString(CultureInfo.InvariantCulture),
                r.Route is null ? "actions" : "route", Match(r.Match), r.Route is { } route ? Backends(route) : Actions(r.Actions ?? []),
            ];
            return wide
                ? [.. row, Or(string.Join(',', r.Tags ?? [])), Or(string.Join(',', NotEnforced.Fields(r)))]
                : (IReadOnlyList<string>)row;
        }));

    private static string Or(string text) => text.Length == 0 ? "-" : text;

    private static string Match(A8Match? match)
    {
        if (match is null)
        {
            return "-";
        }

        var parts = new List<string>();
        if (match.Source is { } source)
        {
            parts.Add(source.Tags is { Length: > 0 } tags ? $"source={source.Name}[{string.Join(',', tags)}]" : $"source={source.Name}");
        }

        if (match.Headers is { } headers)
        {
            parts.Add($"headers={string.Join(',', headers.Keys)}");
        }

        return string.Join(' ', parts);
    }

    private static string Backends(A8Route route)
    {
        double weighted = route.Backends.Sum(static b => b.Weight ?? 0);
        int unweighted = route.Backends.Count(static b => b.Weight is null);
        double rest = unweighted == 0 ? 0 : Math.Max(0, 1 - weighted) / unweighted;
        return string.Join(' ', route.Backends.Select(b =>
        {
            string tags = string.Join(',', b.Tags);
            string who = b.Name is { } name ? $"{name}/{tags}" : tags;
            return string.Create(CultureInfo.InvariantCulture, $"{who}:{Math.Round((b.Weight ?? rest) * 100, 1)}%");
        }));
    }

    private static string Actions(A8Action[] actions) => string.Join(' ', actions.Select(static a =>
    {
        string what = a.Action switch
        {
            "delay" => string.Create(CultureInfo.InvariantCulture, $"delay={a.Duration}s"),
            "abort" => string.Create(CultureInfo.InvariantCulture, $"abort={a.ReturnCode}"),
            _ => a.Action,
        };
        string probability = a.Probability is { } p ? string.Create(CultureInfo.InvariantCulture, $"@{p}") : string.Empty;
        string tags = a.Tags is { Length: > 0 } t ? $"[{string.Join(',', t)}]" : string.Empty;
        return what + probability + tags;
    }));
}
