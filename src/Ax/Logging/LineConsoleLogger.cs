using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Ax.Logging;

/// <summary>One category's logger for <see cref="LineConsoleLoggerProvider"/>.</summary>
internal sealed class LineConsoleLogger(string category, LineConsoleLoggerProvider provider) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        var line = new StringBuilder(128)
            .Append(DateTime.Now.ToString("yyyy-MM-ddTHH:mm:ss.fff ", CultureInfo.InvariantCulture))
            .Append(Level(logLevel)).Append(": ")
            .Append(category).Append('[').Append(eventId.Id.ToString(CultureInfo.InvariantCulture)).Append(']');
        AppendOneLine(line, formatter(state, exception));
        if (exception is not null)
        {
            AppendOneLine(line, exception.ToString());
        }

        provider.WriteLine(line.Append('\n').ToString());
    }

    /// <summary>As the console logger's single-line mode: a space, then the text with its line breaks as spaces.</summary>
    private static void AppendOneLine(StringBuilder line, string text)
    {
        line.Append(' ');
        int start = line.Length;
        line.Append(text);
        line.Replace("\r\n", " ", start, line.Length - start).Replace('\n', ' ', start, line.Length - start);
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        _ => "crit",
    };
}
