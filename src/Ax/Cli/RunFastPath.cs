using Ax.Launcher;

namespace Ax.Cli;

/// <summary>
/// Reads a plain <c>ax run</c> command line without building the System.CommandLine tree, which costs
/// ~1.5 ms of every app's start (perf on `ax run -- true`: command construction, help resources). It
/// takes only what it fully understands; anything else (help, an unknown or repeated flag, a missing
/// value, no command) returns false, and the full parser handles it, with its error messages.
/// A unit test checks that both readers agree on every flag of <see cref="RunCommand"/>.
/// </summary>
internal static class RunFastPath
{
    internal static bool TryParse(string[] args, out RunOptions? options)
    {
        options = null;
        string? runDir = null;
        int i = 0;
        if (!TryReadRunDir(args, ref i, ref runDir))
        {
            return false;
        }

        if (i >= args.Length || args[i] != "run")
        {
            return false;
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var expose = new List<string>();
        for (i++; i < args.Length; i++)
        {
            string token = args[i];
            if (token == "--")
            {
                i++;
                break;
            }

            if (!token.StartsWith('-') || token == "-")
            {
                break;
            }

            string name = token;
            string? value = null;
            int equals = token.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                name = token[..equals];
                value = token[(equals + 1)..];
            }

            if (name == "--run-dir")
            {
                if (!TryReadRunDir(args, ref i, ref runDir))
                {
                    return false;
                }

                i--;
                continue;
            }

            if (RunCommand.ValueOptions.Contains(name))
            {
                if (value is null)
                {
                    if (i + 1 >= args.Length)
                    {
                        return false;
                    }

                    value = args[++i];
                }

                if (value.Length == 0 || value.StartsWith('-'))
                {
                    return false;
                }

                if (name == "--expose")
                {
                    expose.Add(value);
                }
                else if (!values.TryAdd(name, value))
                {
                    return false;
                }

                continue;
            }

            if (RunCommand.FlagOptions.Contains(name))
            {
                if (value is null && i + 1 < args.Length && args[i + 1] is "true" or "false")
                {
                    value = args[++i];
                }

                if (!bool.TryParse(value ?? "true", out _) || !values.TryAdd(name, (value ?? "true").ToLowerInvariant()))
                {
                    return false;
                }

                continue;
            }

            return false; // --help, -h, an unknown flag: the full parser says what to do
        }

        if (i >= args.Length)
        {
            return false;
        }

        options = RunCommand.ToOptions(
            name => values.GetValueOrDefault(name),
            expose,
            args[i..],
            RunDirectory.Resolve(runDir));
        return true;
    }

    /// <summary>Reads any <c>--run-dir DIR</c> / <c>--run-dir=DIR</c> at <paramref name="i"/>.</summary>
    private static bool TryReadRunDir(string[] args, ref int i, ref string? runDir)
    {
        while (i < args.Length && args[i].StartsWith("--run-dir", StringComparison.Ordinal))
        {
            if (args[i] == "--run-dir" && i + 1 < args.Length && !args[i + 1].StartsWith('-'))
            {
                runDir = args[i + 1];
                i += 2;
            }
            else if (args[i].StartsWith("--run-dir=", StringComparison.Ordinal) && args[i].Length > "--run-dir=".Length)
            {
                runDir = args[i]["--run-dir=".Length..];
                i++;
            }
            else
            {
                return false;
            }
        }

        return true;
    }
}
