using System.Collections.Frozen;
using System.Collections.Immutable;
using Ax.Routing.Amalgam8;
using Ax.Routing.LoadBalancing;

namespace Ax.Routing;

/// <summary>
/// The rules compiled for connect time: by destination name (case-insensitive, as names resolve), route rules and
/// action rules each sorted by descending priority. Built once per rule change and swapped whole; a connect to a
/// destination without rules costs one failed lookup, and none at all while there are no rules.
/// </summary>
internal sealed class RuleTable
{
    private readonly FrozenDictionary<string, DestinationRules> _byDestination;

    private RuleTable(FrozenDictionary<string, DestinationRules> byDestination, FrozenSet<CursorKey> cursors)
    {
        _byDestination = byDestination;
        Cursors = cursors;
    }

    internal static RuleTable Empty { get; } = Compile([]);

    internal bool IsEmpty => _byDestination.Count == 0;

    /// <summary>The rotations the table's round-robin backends use.</summary>
    internal FrozenSet<CursorKey> Cursors { get; }

    internal bool TryGet(string? destination, out DestinationRules? rules)
    {
        rules = null;
        return destination is not null && _byDestination.TryGetValue(destination, out rules);
    }

    /// <summary>Compiles validated rules (each with an id); a rule is never dropped here, whatever its destination.</summary>
    internal static RuleTable Compile(IEnumerable<A8Rule> rules)
    {
        var routes = new Dictionary<string, List<RouteRule>>(StringComparer.OrdinalIgnoreCase);
        var actions = new Dictionary<string, List<ActionRule>>(StringComparer.OrdinalIgnoreCase);
        var cursors = new HashSet<CursorKey>();
        foreach (A8Rule rule in rules)
        {
            string id = rule.Id ?? string.Empty;
            SourceMatch source = rule.Match?.Source is { } s ? new SourceMatch(s.Name, s.Tags ?? []) : SourceMatch.Any;
            if (rule.Route is { } route)
            {
                ImmutableArray<RouteBackend> backends = CompileBackends(id, route.Backends);
                foreach (RouteBackend backend in backends)
                {
                    cursors.Add(backend.CursorKey);
                }

                Add(routes, rule.Destination, new RouteRule(id, rule.Priority, source, backends));
            }
            else if (rule.Actions is { } list)
            {
                var compiled = list
                    .Where(static a => a.Action is "delay" or "abort")
                    .Select(static a => new FaultAction(a.Action == "abort", TimeSpan.FromSeconds(a.Duration ?? 0), a.Probability ?? 1, a.Tags ?? []))
                    .ToImmutableArray();
                Add(actions, rule.Destination, new ActionRule(id, rule.Priority, source, compiled));
            }
        }

        var byDestination = new Dictionary<string, DestinationRules>(StringComparer.OrdinalIgnoreCase);
        foreach (string destination in routes.Keys.Union(actions.Keys, StringComparer.OrdinalIgnoreCase))
        {
            byDestination[destination] = new DestinationRules(
                [.. (routes.GetValueOrDefault(destination) ?? []).OrderByDescending(static r => r.Priority).ThenBy(static r => r.Id, StringComparer.Ordinal)],
                [.. (actions.GetValueOrDefault(destination) ?? []).OrderByDescending(static r => r.Priority).ThenBy(static r => r.Id, StringComparer.Ordinal)]);
        }

        return new RuleTable(byDestination.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase), cursors.ToFrozenSet());
    }

    private static void Add<T>(Dictionary<string, List<T>> map, string destination, T rule)
    {
        if (!map.TryGetValue(destination, out List<T>? list))
        {
            map[destination] = list = [];
        }

        list.Add(rule);
    }

    /// <summary>Backends with their shares resolved: the weighted keep theirs, the others split what is left equally.</summary>
    private static ImmutableArray<RouteBackend> CompileBackends(string ruleId, A8Backend[] backends)
    {
        double weighted = backends.Sum(static b => b.Weight ?? 0);
        int unweighted = backends.Count(static b => b.Weight is null);
        double share = unweighted == 0 ? 0 : Math.Max(0, 1 - weighted) / unweighted;
        var result = ImmutableArray.CreateBuilder<RouteBackend>(backends.Length);
        for (int i = 0; i < backends.Length; i++)
        {
            A8Backend b = backends[i];

            // Validated before it got here: an unknown lb_type never reaches the table.
            LoadBalancingPolicies.TryGet(b.LbType, out ILoadBalancingPolicy? policy);
            A8Resilience? r = b.Resilience;
            Ejection? ejection = r is not null && (r.ConsecutiveErrors is not null || r.SleepWindow is not null)
                ? new Ejection(r.ConsecutiveErrors ?? Ejection.DefaultConsecutiveErrors, r.SleepWindow is double seconds ? TimeSpan.FromSeconds(seconds) : Ejection.DefaultSleepWindow)
                : null;
            result.Add(new RouteBackend(b.Tags, b.Name, b.Weight ?? share, policy ?? LoadBalancingPolicies.Default, r?.MaxConnections ?? 0, ejection, new CursorKey(CursorKey.RuleScope, ruleId, i)));
        }

        return result.MoveToImmutable();
    }
}
