using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace Ax.Cluster;

/// <summary>
/// Forwards a serf agent's output to the daemon's log, one line each, at the level the agent gave it
/// ("    2026/12/03 12:15:00 [WARN] memberlist: ..."; the date goes, the daemon's logger stamps its own),
/// and keeps the last lines to say why an agent that would not start exited.
/// </summary>
internal sealed partial class SerfAgentOutput
{
    private const int Kept = 20;
    private readonly ILogger _logger;
    private readonly Queue<string> _last = new();

    // Serf prints some errors over several lines ("error joining: 1 error occurred:" then "* Failed to join
    // ..."); a line without its own level continues the one before and keeps that one's level.
    private LogLevel _previous = LogLevel.Information;

    internal SerfAgentOutput(ILogger logger) => _logger = logger;

    internal string LastLine
    {
        get
        {
            lock (_last)
            {
                return _last.LastOrDefault() ?? string.Empty;
            }
        }
    }

    /// <summary>The last error the agent printed ("==> Failed to start ..."), else its last line.</summary>
    internal string LastError
    {
        get
        {
            lock (_last)
            {
                return _last.LastOrDefault(l => l.Contains("[ERR]", StringComparison.Ordinal) || l.Contains("Error", StringComparison.Ordinal) || l.Contains("Failed", StringComparison.Ordinal))
                    ?? _last.LastOrDefault() ?? string.Empty;
            }
        }
    }

    internal string Text
    {
        get
        {
            lock (_last)
            {
                var text = new StringBuilder();
                foreach (string line in _last)
                {
                    text.AppendLine(line);
                }

                return text.ToString();
            }
        }
    }

    internal void Line(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return;
        }

        string line = raw.Trim();
        string kept = line;
        LogLevel level;
        var match = LogLine().Match(line);
        lock (_last)
        {
            level = _previous;
            if (match.Success)
            {
                level = match.Groups["level"].Value switch
                {
                    "ERR" => LogLevel.Error,
                    "WARN" => LogLevel.Warning,
                    "DEBUG" => LogLevel.Debug,
                    "TRACE" => LogLevel.Trace,
                    _ => LogLevel.Information,
                };
                line = match.Groups["rest"].Value;
            }
            else if (line.StartsWith("==> ", StringComparison.Ordinal))
            {
                line = line[4..];
                level = line.Contains("Failed", StringComparison.Ordinal) || line.Contains("Error", StringComparison.Ordinal) ? LogLevel.Error : LogLevel.Information;
            }

            _previous = level;
            _last.Enqueue(kept);
            if (_last.Count > Kept)
            {
                _last.Dequeue();
            }
        }

        Log.AgentLine(_logger, level, line);
    }

    [GeneratedRegex(@"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} \[(?<level>[A-Z]+)\] (?<rest>.*)$")]
    private static partial Regex LogLine();

    private static partial class Log
    {
        [LoggerMessage(EventId = 910, Message = "serf: {Line}")]
        internal static partial void AgentLine(ILogger logger, LogLevel level, string line);
    }
}
