using System.Globalization;
using Ax.Policy;

namespace Ax.Routing.Amalgam8;

/// <summary>
/// The checks of amalgam8's rules-schema.json that the type system does not make: one of route or actions,
/// weights in (0, 1] adding up to at most 1, lb_type and action names from their lists, tags in ax's
/// key=value label form, probabilities in (0, 1], positive durations, return codes from -5 to 599.
/// Every problem starts with the JSON path of the field at fault (<c>rules[2].route.backends[0].weight: ...</c>),
/// so a user with a long rules file goes straight to the line.
/// </summary>
internal static class A8RuleValidation
{
    private static readonly string[] LbTypes = ["round_robin", "least_request", "random"];

    /// <summary>What is wrong with <paramref name="rule"/>, starting with the field's path inside the rule; null when nothing.</summary>
    internal static string? Problem(A8Rule rule) => Problem(rule, string.Empty);

    /// <summary>What is wrong with <paramref name="rule"/>, starting with the field's path below <paramref name="at"/> (such as <c>rules[2]</c>); null when nothing.</summary>
    internal static string? Problem(A8Rule rule, string at)
    {
        if (string.IsNullOrWhiteSpace(rule.Destination))
        {
            return $"{Path(at, "destination")}: is empty; name the service the rule is for (an app's --name or a vservice)";
        }

        if ((rule.Route is null) == (rule.Actions is null))
        {
            return $"{Path(at, string.Empty)}: a rule has either 'route' or 'actions', not both and not neither";
        }

        if (double.IsNaN(rule.Priority) || double.IsInfinity(rule.Priority))
        {
            return $"{Path(at, "priority")}: must be a number";
        }

        if (Tags(rule.Tags, Path(at, "tags")) is { } tags)
        {
            return tags;
        }

        if (rule.Match is { } match)
        {
            if (match.Source is null && match.Headers is null)
            {
                return $"{Path(at, "match")}: is empty; give 'source' or 'headers', or leave 'match' out";
            }

            if (match.Source is { } source)
            {
                if (string.IsNullOrWhiteSpace(source.Name))
                {
                    return $"{Path(at, "match.source.name")}: is empty; name the client service (its --name)";
                }

                if (Tags(source.Tags, Path(at, "match.source.tags")) is { } sourceTags)
                {
                    return sourceTags;
                }
            }

            if (match.Headers is { Count: 0 })
            {
                return $"{Path(at, "match.headers")}: is empty; give at least one header or leave it out";
            }
        }

        return rule.Route is { } route ? RouteProblem(route, Path(at, "route")) : ActionsProblem(rule.Actions!, Path(at, "actions"));
    }

    private static string Path(string at, string field) =>
        at.Length == 0 ? (field.Length == 0 ? "the rule" : field) : field.Length == 0 ? at : $"{at}.{field}";

    private static string? RouteProblem(A8Route route, string at)
    {
        if (route.Backends.Length == 0)
        {
            return $"{at}.backends: is empty; give at least one backend with its tags";
        }

        double total = 0;
        for (int i = 0; i < route.Backends.Length; i++)
        {
            A8Backend backend = route.Backends[i];
            string where = $"{at}.backends[{i}]";
            if (backend.Tags.Length == 0)
            {
                return $"{where}.tags: is empty; give the labels of the servers it means, such as version=v1";
            }

            if (Tags(backend.Tags, where + ".tags") is { } tags)
            {
                return tags;
            }

            if (backend.Weight is { } weight)
            {
                if (!(weight > 0 && weight <= 1))
                {
                    return $"{where}.weight: is {Number(weight)}; a weight is more than 0 and at most 1 (0.25 is a quarter of the connections)";
                }

                total += weight;
            }

            if (backend.LbType is { } lb && !LbTypes.Contains(lb))
            {
                return $"{where}.lb_type: is '{lb}'; use round_robin, least_request or random";
            }

            if (backend.Resilience is { } r &&
                (r.MaxConnections < 0 || r.MaxPendingRequests < 0 || r.MaxRequests < 0 || r.SleepWindow < 0 ||
                 r.ConsecutiveErrors < 0 || r.DetectionInterval < 0 || r.MaxRequestsPerConnection < 0))
            {
                return $"{where}.resilience: has a negative value; every limit and interval is 0 or more";
            }
        }

        if (total > 1 + 1e-9)
        {
            return $"{at}.backends: the weights add up to {Number(total)}; they may add up to 1 at most (unweighted backends share what is left)";
        }

        if (route.HttpReqTimeout is <= 0)
        {
            return $"{at}.http_req_timeout: must be more than 0";
        }

        if (route.HttpReqRetries is < 0)
        {
            return $"{at}.http_req_retries: must be 0 or more";
        }

        return null;
    }

    private static string? ActionsProblem(A8Action[] actions, string at)
    {
        if (actions.Length == 0)
        {
            return $"{at}: is empty; give at least one of delay, abort or trace";
        }

        for (int i = 0; i < actions.Length; i++)
        {
            A8Action action = actions[i];
            string where = $"{at}[{i}]";
            if (action.Probability is { } p && !(p > 0 && p <= 1))
            {
                return $"{where}.probability: is {Number(p)}; a probability is more than 0 and at most 1";
            }

            if (Tags(action.Tags, where + ".tags") is { } tags)
            {
                return tags;
            }

            string? problem = action.Action switch
            {
                "delay" when action.Duration is not > 0 => $"{where}.duration: a delay needs a 'duration' of more than 0 seconds",
                "delay" when action.ReturnCode is not null || action.LogKey is not null || action.LogValue is not null => $"{where}: is a delay; it takes duration, probability and tags only",
                "abort" when action.ReturnCode is not (>= -5 and <= 599) => $"{where}.return_code: an abort needs a 'return_code' from -5 to 599",
                "abort" when action.Duration is not null || action.LogKey is not null || action.LogValue is not null => $"{where}: is an abort; it takes return_code, probability and tags only",
                "trace" when action.Duration is not null || action.ReturnCode is not null || action.Probability is not null => $"{where}: is a trace; it takes tags, log_key and log_value only",
                "delay" or "abort" or "trace" => null,
                _ => $"{where}.action: is '{action.Action}'; use delay, abort or trace",
            };
            if (problem is not null)
            {
                return problem;
            }
        }

        return null;
    }

    private static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>Tags are ax labels: key=value, as Amalgam8 asks ("key=value format should be used in defining routing rules").</summary>
    private static string? Tags(string[]? tags, string where)
    {
        if (tags is null)
        {
            return null;
        }

        if (tags.Length > 0 && !LabelSet.TryParse(string.Join(',', tags), out _, out string? problem))
        {
            return $"{where}: {problem}";
        }

        return tags.Distinct(StringComparer.Ordinal).Count() == tags.Length ? null : $"{where}: repeats a tag; each tag once";
    }
}
