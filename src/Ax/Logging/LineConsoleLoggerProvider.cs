using Microsoft.Extensions.Logging;

namespace Ax.Logging;

/// <summary>
/// Writes every log event as one line to stdout, in the format the daemon has always used
/// (<c>2026-01-02T03:04:05.678 info: Ax.Daemon[1] message</c>, the shape of the console logger's
/// single-line mode), without the console logger's options, configuration and queue thread: each of
/// those types costs every <c>ax run</c> a static base at start-up even though only the daemon logs.
/// </summary>
internal sealed class LineConsoleLoggerProvider : ILoggerProvider
{
    private readonly Stream _stdout = Console.OpenStandardOutput();
    private readonly Lock _writeLock = new();

    /// <summary>A factory with this provider, at Information and above.</summary>
    internal static ILoggerFactory CreateFactory() =>
        new LoggerFactory([new LineConsoleLoggerProvider()], new LoggerFilterOptions { MinLevel = LogLevel.Information });

    public ILogger CreateLogger(string categoryName) => new LineConsoleLogger(categoryName, this);

    /// <summary>One write(2) per line, so lines from different threads never interleave.</summary>
    internal void WriteLine(string line)
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(line);
        lock (_writeLock)
        {
            try
            {
                _stdout.Write(bytes);
                _stdout.Flush();
            }
            catch (IOException)
            {
                // stdout is gone (a closed pipe); logging must not take the daemon down.
            }
        }
    }

    public void Dispose() => _stdout.Dispose();
}
