using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Ax.Addressing;
using Ax.Apps;
using Ax.Contracts;
using Ax.Keeper;
using Ax.Policy;
using Ax.ServiceTable;

namespace Ax.Daemon;

/// <summary>
/// The daemon's saved state under run-dir/state: one file per running app (apps/ID.json, written when
/// the app starts, removed when it ends) and the service table with its bindings (services.json). Every
/// file is written to a temporary name and renamed, so a crash never leaves half a file behind.
/// </summary>
internal sealed class AppStateStore
{
    private readonly string _apps;
    private readonly string _services;

    internal AppStateStore(string runDir)
    {
        string root = DaemonState.Directory(runDir);
        _apps = Path.Combine(root, "apps");
        _services = Path.Combine(root, "services.json");
        Directory.CreateDirectory(_apps);
    }

    /// <summary>False when the file could not be written (then a restarted daemon serves the app with defaults).</summary>
    internal bool TrySaveApp(AppRecord app)
    {
        var saved = new SavedApp(app.Id, app.Name, [.. app.Labels.Labels], app.IpText, app.HasOwnIp, app.Pid, app.Command, [.. app.Expose.Select(static r => r.ToString())], app.SharesNodeNetwork, app.KeepsHostResolver);
        try
        {
            WriteAtomically(AppPath(app.Id), saved, AxJsonContext.Default.SavedApp);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    internal void DeleteApp(string appId)
    {
        try
        {
            File.Delete(AppPath(appId));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A stale file is removed by the next restore: its app is not among the listeners the keeper returns.
        }
    }

    /// <summary>The saved app, or null when there is none or it cannot be read (then the app gets defaults).</summary>
    internal AppRecord? LoadApp(string appId)
    {
        try
        {
            SavedApp? saved = JsonSerializer.Deserialize(File.ReadAllText(AppPath(appId)), AxJsonContext.Default.SavedApp);
            if (saved is null || saved.Id != appId || !Ipv4Endpoint.TryParseAddress(saved.Ip, out uint ip) ||
                !LabelSet.TryParse(string.Join(',', saved.Labels), out LabelSet? labels, out _))
            {
                return null;
            }

            if (!ExposeRule.TryParseAll(saved.Expose ?? [], out List<ExposeRule> expose, out _))
            {
                return null;
            }

            return new AppRecord(appId, saved.Name, labels, ip, saved.HasOwnIp, saved.Pid, saved.Command ?? []) { Expose = expose, SharesNodeNetwork = saved.SharesNodeNetwork, KeepsHostResolver = saved.KeepsHostResolver };
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Removes the files of apps that are not running any more.</summary>
    internal void ForgetAppsExcept(IReadOnlySet<string> running)
    {
        foreach (string path in Directory.EnumerateFiles(_apps, "*.json"))
        {
            if (!running.Contains(Path.GetFileNameWithoutExtension(path)))
            {
                File.Delete(path);
            }
        }
    }

    internal void SaveServices(IReadOnlyDictionary<ulong, ServiceEntry> localRows, BindingTable bindings)
    {
        var services = localRows.Values.Select(static e => new SavedService(
            e.AppId,
            e.Proto == TransportProtocol.Tcp ? "tcp" : "udp",
            e.ServiceAddr.ToString(),
            e.HostAddr.ToString(),
            e.BindAddr.ToString(),
            e.Inode,
            e.Backlog)).ToList();
        var saved = bindings.All.Select(static pair => new SavedBinding(pair.Key, pair.Value.AppId, pair.Value.VirtualAddr.ToString())).ToList();
        WriteAtomically(_services, new SavedServiceTable(services, saved), AxJsonContext.Default.SavedServiceTable);
    }

    internal SavedServiceTable LoadServices()
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(_services), AxJsonContext.Default.SavedServiceTable) ?? new SavedServiceTable([], []);
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return new SavedServiceTable([], []);
        }
    }

    private string AppPath(string appId) =>
        KeeperProtocol.IsValidAppId(appId)
            ? Path.Combine(_apps, appId + ".json")
            : throw new ArgumentException($"'{appId}' is not an app id", nameof(appId));

    /// <summary>
    /// Writes the JSON of <paramref name="value"/> beside <paramref name="path"/> and renames it into place.
    /// Streamed to the file: with 10,000 services the table is megabytes of JSON, and a string of it (plus
    /// its UTF-8 copy) would land on the large-object heap at every save.
    /// </summary>
    private static void WriteAtomically<T>(string path, T value, JsonTypeInfo<T> typeInfo)
    {
        string temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 64 * 1024))
        {
            JsonSerializer.Serialize(stream, value, typeInfo);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
