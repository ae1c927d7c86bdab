using System.CommandLine;

namespace Ax.Cli;

/// <summary>Checks shared by options of several commands; each adds one sentence as a parse error.</summary>
internal static class OptionChecks
{
    /// <summary>Refuses an empty or blank value, which would otherwise pass for "not given".</summary>
    internal static T NotEmpty<T>(this T option, string what)
        where T : Option
    {
        option.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && string.IsNullOrWhiteSpace(result.Tokens[^1].Value))
            {
                result.AddError($"{option.Name} is empty; give {what}");
            }
        });
        return option;
    }

    /// <summary>A TCP/UDP port number from 1 to 65535; a non-number gets the same sentence instead of a crash.</summary>
    internal static Option<int> Port(this Option<int> option)
    {
        option.Validators.Add(result =>
        {
            string? text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : null;
            if (text is not null && (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int value) || value is < 1 or > 65535))
            {
                result.AddError($"{option.Name} '{text}' is not a port; give a number from 1 to 65535");
            }
        });
        return option;
    }
}
