using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;

namespace Ax.Daemon;

/// <summary>
/// State a daemon saves under its run directory (run-dir/state/NAME.json, one file per kind of resource)
/// and restores when it starts; --clean removes it. Writes are atomic (a temporary file renamed over the
/// old one), so a daemon killed mid-write leaves the previous state, never half a file.
/// </summary>
internal sealed partial class DaemonState(string runDir, ILogger logger)
{
    private readonly Lock _writeLock = new();

    internal static string Directory(string runDir) => Path.Combine(runDir, "state");

    internal static void Clean(string runDir)
    {
        string directory = Directory(runDir);
        if (System.IO.Directory.Exists(directory))
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
    }

    internal string PathOf(string name) => Path.Combine(Directory(runDir), name + ".json");

    /// <summary>Saves <paramref name="value"/> as run-dir/state/NAME.json; a failure is logged, not thrown (the change itself stands).</summary>
    internal void Save<T>(string name, T value, JsonTypeInfo<T> typeInfo)
    {
        string path = PathOf(name);
        lock (_writeLock)
        {
            try
            {
                System.IO.Directory.CreateDirectory(Directory(runDir));
                string temporary = path + ".tmp";
                using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
                {
                    JsonSerializer.Serialize(stream, value, typeInfo);
                    stream.Flush(flushToDisk: true);
                }

                File.Move(temporary, path, overwrite: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Log.SaveFailed(logger, path, ex.Message);
            }
        }
    }

    /// <summary>Reads run-dir/state/NAME.json; a missing file is no state, and a corrupt one is logged and skipped.</summary>
    internal T? Load<T>(string name, JsonTypeInfo<T> typeInfo)
        where T : class
    {
        string path = PathOf(name);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var stream = File.OpenRead(path);
            return JsonSerializer.Deserialize(stream, typeInfo);
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            Log.LoadFailed(logger, path, ex.Message);
            return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "cannot save state to {Path} ({Reason}); the change holds until the daemon stops")]
        internal static partial void SaveFailed(ILogger logger, string path, string reason);

        [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "ignoring saved state in {Path}: it cannot be read ({Reason}); start with --clean to remove it")]
        internal static partial void LoadFailed(ILogger logger, string path, string reason);
    }
}
