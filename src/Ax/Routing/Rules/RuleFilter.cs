using Ax.Routing.Amalgam8;

namespace Ax.Routing.Rules;

/// <summary>
/// Which rules a listing or a delete means, as Amalgam8's controller reads its query (pkg/api/filter.go): a
/// rule passes when its id is one of <see cref="Ids"/>, its destination one of <see cref="Destinations"/>,
/// it carries every tag of <see cref="Tags"/> and is of <see cref="Kind"/>; an empty list does not filter.
/// </summary>
internal sealed record RuleFilter(string[] Ids, string[] Tags, string[] Destinations, RuleKind Kind = RuleKind.Any)
{
    internal static RuleFilter All { get; } = new([], [], []);

    internal static RuleFilter ById(params string[] ids) => new(ids, [], []);

    internal static RuleFilter ForDestination(string destination, RuleKind kind) => new([], [], [destination], kind);

    internal bool IsEmpty => Ids.Length == 0 && Tags.Length == 0 && Destinations.Length == 0 && Kind == RuleKind.Any;

    internal bool Matches(A8Rule rule) =>
        (Ids.Length == 0 || Ids.Contains(rule.Id, StringComparer.Ordinal)) &&
        (Destinations.Length == 0 || Destinations.Contains(rule.Destination, StringComparer.Ordinal)) &&
        Tags.All(tag => rule.Tags is { } tags && tags.Contains(tag, StringComparer.Ordinal)) &&
        Kind switch
        {
            RuleKind.Route => rule.Route is not null,
            RuleKind.Actions => rule.Actions is not null,
            _ => true,
        };
}
