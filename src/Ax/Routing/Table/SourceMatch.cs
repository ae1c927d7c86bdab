using Ax.Apps;

namespace Ax.Routing;

/// <summary>
/// A rule's <c>match.source</c>: the client app's --name (<see cref="Name"/>, any when null) and labels it must all
/// carry (<see cref="Tags"/>). A client outside ax (a node proxy's) has neither and matches only a rule without a source.
/// </summary>
internal sealed class SourceMatch(string? name, string[] tags)
{
    internal static SourceMatch Any { get; } = new(null, []);

    internal string? Name { get; } = name;

    internal string[] Tags { get; } = tags;

    internal bool Matches(AppRecord? client)
    {
        if (Name is null && Tags.Length == 0)
        {
            return true;
        }

        if (client is null || (Name is not null && !string.Equals(client.Name, Name, StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        return TagSet.AllIn(Tags, client.Labels);
    }
}
