using System.Collections.Immutable;
using Ax.Apps;

namespace Ax.Routing;

/// <summary>The rules of one destination, each kind by descending priority (then id): the first whose source matches wins.</summary>
internal sealed class DestinationRules(ImmutableArray<RouteRule> routes, ImmutableArray<ActionRule> actions)
{
    internal ImmutableArray<RouteRule> Routes { get; } = routes;

    internal ImmutableArray<ActionRule> Actions { get; } = actions;

    internal RouteRule? RouteFor(AppRecord? client)
    {
        foreach (RouteRule rule in Routes)
        {
            if (rule.Source.Matches(client))
            {
                return rule;
            }
        }

        return null;
    }

    internal ActionRule? ActionsFor(AppRecord? client)
    {
        foreach (ActionRule rule in Actions)
        {
            if (rule.Source.Matches(client))
            {
                return rule;
            }
        }

        return null;
    }
}
