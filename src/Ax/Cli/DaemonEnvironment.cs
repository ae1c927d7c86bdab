namespace Ax.Cli;

/// <summary>
/// <c>ax daemon</c>'s settings from the environment, as the seed's compose file gives them (001, "Installation
/// and Configuration"): <c>AX_DRIVER</c>, <c>AX_NODE_INTERFACE</c>, <c>AX_NEIGHBORS</c>, <c>AX_CLUSTER</c>
/// and <c>AX_OPTS</c> (more flags, split on white space). A variable left empty (<c>AX_NEIGHBORS=</c>) says
/// nothing, and a flag on the command line wins over the environment. The federation variables
/// (<c>AX_FEDERATION_GATEWAY_IP</c>, <c>AX_FEDERATION_GATEWAY_NEIGHBORS</c>) are accepted, so the seed's
/// compose file runs as it is, and ignored with a note until ax has a federation.
/// </summary>
internal static class DaemonEnvironment
{
    private static readonly (string Variable, string Flag)[] Variables =
    [
        ("AX_DRIVER", "--driver"),
        ("AX_NODE_INTERFACE", "--node-interface"),
        ("AX_NEIGHBORS", "--neighbors"),
        ("AX_CLUSTER", "--cluster"),
    ];

    private static readonly string[] Ignored = ["AX_FEDERATION_GATEWAY_IP", "AX_FEDERATION_GATEWAY_NEIGHBORS"];

    /// <summary><paramref name="args"/> with the environment's settings added where the command line has none; other commands unchanged.</summary>
    internal static string[] Apply(string[] args, Func<string, string?> environment)
    {
        int daemon = DaemonIndex(args);
        if (daemon < 0)
        {
            return args;
        }

        var given = new HashSet<string>(args.Skip(daemon + 1).Where(static a => a.StartsWith("--", StringComparison.Ordinal)).Select(static a => a.Split('=')[0]), StringComparer.Ordinal);
        var added = new List<string>();
        foreach ((string variable, string flag) in Variables)
        {
            if (environment(variable) is { Length: > 0 } value && !given.Contains(flag))
            {
                added.Add($"{flag}={value.Trim()}");
            }
        }

        string[] extra = (environment("AX_OPTS") ?? string.Empty).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < extra.Length; i++)
        {
            string flag = extra[i].Split('=')[0];
            bool takesValue = !extra[i].Contains('=') && i + 1 < extra.Length && !extra[i + 1].StartsWith('-');
            if (flag.StartsWith("--", StringComparison.Ordinal) && given.Contains(flag))
            {
                i += takesValue ? 1 : 0; // the command line's value wins; skip this one's
                continue;
            }

            added.Add(extra[i]);
        }

        return added.Count == 0 ? args : [.. args, .. added];
    }

    /// <summary>One note per seed variable that is set but has no flag yet, for <c>ax daemon</c> only.</summary>
    internal static IEnumerable<string> IgnoredNotes(string[] args, Func<string, string?> environment) =>
        DaemonIndex(args) < 0
            ? []
            : Ignored.Where(v => !string.IsNullOrWhiteSpace(environment(v)))
                .Select(static v => $"ax: note: {v} is ignored: ax has no federation yet (the cluster itself needs only AX_NEIGHBORS)");

    /// <summary>Where the word "daemon" names the command (not an argument of another command), or -1.</summary>
    private static int DaemonIndex(string[] args)
    {
        int daemon = Array.IndexOf(args, "daemon");
        return daemon < 0 || args.Take(daemon).Any(static a => !a.StartsWith('-') && a != "daemon" && !LooksLikeValue(a)) ? -1 : daemon;
    }

    /// <summary>A word before "daemon" that is a global option's value (ax --run-dir /x daemon), not another command.</summary>
    private static bool LooksLikeValue(string word) => word.StartsWith('/') || word.StartsWith('.');
}
