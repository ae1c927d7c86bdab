using Microsoft.Extensions.Logging;

namespace Ax.Tests.Cluster;

/// <summary>A logger that keeps every line, so a test can assert what a person would read in the daemon's log.</summary>
internal sealed class RecordingLogger(string name = "") : ILogger
{
    private readonly List<string> _lines = [];

    internal IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    internal string Text => string.Join("\n", Lines);

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        string line = $"{DateTime.UtcNow:HH:mm:ss.fff} {name} {logLevel}: {formatter(state, exception)}";
        lock (_lines)
        {
            _lines.Add(line);
        }
    }
}
