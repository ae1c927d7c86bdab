using Ax.Policy;

namespace Ax.Routing;

/// <summary>Amalgam8's tags are ax's labels (<c>version=v1</c>): a tag list selects whoever carries every one of them.</summary>
internal static class TagSet
{
    /// <summary>True when <paramref name="labels"/> holds every tag (always, for no tags); never for an external host (null).</summary>
    internal static bool AllIn(string[] tags, LabelSet? labels)
    {
        if (tags.Length == 0)
        {
            return true;
        }

        if (labels is null)
        {
            return false;
        }

        var held = labels.Labels;
        foreach (string tag in tags)
        {
            bool found = false;
            for (int i = 0; i < held.Length && !found; i++)
            {
                found = string.Equals(held[i], tag, StringComparison.Ordinal);
            }

            if (!found)
            {
                return false;
            }
        }

        return true;
    }
}
