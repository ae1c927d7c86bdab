namespace Ax.Tests.EndToEnd;

/// <summary>The Key=Value settings of a systemd unit file (systemd.syntax(7)), the last one of each key; comments skipped.</summary>
internal sealed class UnitFile
{
    private readonly Dictionary<string, string> _settings;

    private UnitFile(Dictionary<string, string> settings) => _settings = settings;

    internal string this[string key] => _settings.TryGetValue(key, out string? value) ? value : throw new KeyNotFoundException($"the unit sets no {key}=");

    internal static UnitFile Read(string path)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in File.ReadAllLines(path).Select(l => l.Trim()))
        {
            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (line.Length > 0 && line[0] is not ('#' or ';' or '[') && equals > 0)
            {
                settings[line[..equals].Trim()] = line[(equals + 1)..].Trim();
            }
        }

        return new UnitFile(settings);
    }
}
