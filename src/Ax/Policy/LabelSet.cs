using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;

namespace Ax.Policy;

/// <summary>
/// The labels of an app, as <c>key=value</c> strings. Two apps may talk when they share at least one
/// label (seed 003, "Labels"): a client labelled role=test never reaches a server labelled role=prod.
/// </summary>
internal sealed class LabelSet
{
    internal const string DefaultText = "zone=default";

    private readonly ImmutableArray<string> _labels;

    private LabelSet(ImmutableArray<string> labels) => _labels = labels;

    internal static LabelSet Default { get; } = new([DefaultText]);

    internal ImmutableArray<string> Labels => _labels;

    /// <summary>True when the two sets share at least one identical key=value pair.</summary>
    internal bool SharesAnyWith(LabelSet other)
    {
        // Plain loops over the arrays: Enumerable.Contains would box the ImmutableArray on every
        // connect (bench/micro "route" measured the difference).
        ImmutableArray<string> theirs = other._labels;
        foreach (string label in _labels)
        {
            for (int i = 0; i < theirs.Length; i++)
            {
                if (string.Equals(label, theirs[i], StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The zones shown by <c>ax get apps</c>: each label as a match expression.</summary>
    internal IEnumerable<string> Zones => _labels.Select(static l => l.Replace("=", "==", StringComparison.Ordinal));

    public override string ToString() => string.Join(',', _labels);

    internal static LabelSet FromValidated(IEnumerable<string> labels) => new([.. labels]);

    /// <summary>Parses a csv of key=value; an empty key, a missing '=' or a duplicate key is an error.</summary>
    internal static bool TryParse(string csv, [NotNullWhen(true)] out LabelSet? labels, [NotNullWhen(false)] out string? error)
    {
        labels = null;
        error = null;
        var builder = ImmutableArray.CreateBuilder<string>();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (string raw in csv.Split(','))
        {
            string item = raw.Trim();
            int equals = item.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                error = $"invalid label '{item}': labels are key=value pairs separated by commas, as in --labels role=prod,tier=web";
                return false;
            }

            string key = item[..equals].Trim();
            string value = item[(equals + 1)..].Trim();
            if (key.Length == 0 || value.Contains('=', StringComparison.Ordinal) || key.Any(char.IsWhiteSpace) || value.Any(char.IsWhiteSpace))
            {
                error = $"invalid label '{item}': a label is one key=value with no spaces, as in role=prod";
                return false;
            }

            if (!keys.Add(key))
            {
                error = $"label key '{key}' is given twice; give each key one value";
                return false;
            }

            builder.Add($"{key}={value}");
        }

        labels = new LabelSet(builder.ToImmutable());
        return true;
    }
}
