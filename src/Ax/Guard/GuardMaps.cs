using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Ax.Interception;
using static Interop.Bpf;

namespace Ax.Guard;

/// <summary>
/// The two maps every guard program of a run directory reads, shared by its successive daemons:
/// <list type="bullet">
/// <item>the app-socket marker, a BPF_MAP_TYPE_SK_STORAGE map. The daemon adds each socket it makes
/// for an app (key: its own descriptor of it, one bpf(2) call in <see cref="MarkAppSocket"/>); the
/// programs ask bpf_sk_storage_get whether the socket at hand has an entry. Only a holder of the map
/// can add or remove entries, so unlike SO_MARK nothing an app (or whoever it hands the socket to)
/// does to the socket changes it; and the entry lives in the socket, so it goes when the socket
/// goes, with nothing to clean up. Linux 6.18 offers bpf_sk_storage_get to cgroup sock_addr programs
/// (net/core/filter.c, sock_addr_func_proto), which is why no socket-cookie map is needed.</item>
/// <item>the daemon's identity, a one-entry array (<see cref="DaemonIdentity"/>: its tgid and the PID
/// namespace that number is from): the programs let that process connect, bind and send where apps
/// may not. A new daemon writes its own identity before anything else, so the programs its
/// predecessor left behind (which the keeper holds until the new ones are attached) let it through,
/// even when the new daemon runs in another PID namespace.</item>
/// </list>
/// A restarted daemon must find the same maps, or the sockets its predecessor made (restored with
/// the apps, Apps/AppLifecycle.Restore.cs) would be unmarked. Their ids are kept in run-dir/guard-maps;
/// the maps themselves stay alive while anything holds them: the old daemon's programs, which the
/// keeper keeps attached while no daemon runs (Keeper/KeeperHost.cs). A map found by id is checked
/// for its type, sizes and name before it is used; where none is found, fresh ones are made.
/// </summary>
internal sealed class GuardMaps : IDisposable
{
    internal const string FileName = "guard-maps";
    internal const string MarkerName = "ax_app_sockets";
    internal const string DaemonName = "ax_daemon";

    private GuardMaps(OwnedFd marker, OwnedFd daemon, bool reused)
    {
        Marker = marker;
        Daemon = daemon;
        Reused = reused;
    }

    /// <summary>The BPF_MAP_TYPE_SK_STORAGE map of app sockets (key: a socket descriptor, value: an int).</summary>
    internal OwnedFd Marker { get; }

    /// <summary>The one-entry array holding the identity of the daemon now running (<see cref="DaemonIdentity"/>).</summary>
    internal OwnedFd Daemon { get; }

    /// <summary>True when the maps are a previous daemon's, found through run-dir/guard-maps.</summary>
    internal bool Reused { get; }

    /// <summary>
    /// Finds the maps a previous daemon of <paramref name="runDir"/> left, or makes new ones, records
    /// their ids and writes <paramref name="daemon"/> into them. Null, with the reason in
    /// <paramref name="problem"/>, where the kernel cannot make them.
    /// </summary>
    internal static GuardMaps? OpenOrCreate(string runDir, DaemonIdentity daemon, [NotNullWhen(false)] out string? problem)
    {
        string path = Path.Combine(runDir, FileName);
        problem = null;
        GuardMaps? maps = TryReuse(path) ?? TryCreate(out problem);
        if (maps is null)
        {
            problem ??= "cannot make the guard's maps";
            return null;
        }

        Errno error = maps.SetDaemon(daemon);
        if (error != Errno.None)
        {
            maps.Dispose();
            problem = $"cannot record this daemon in the guard's map ({error})";
            return null;
        }

        if (!maps.Reused)
        {
            maps.SaveIds(path);
        }

        return maps;
    }

    /// <summary>
    /// Marks <paramref name="socketFd"/> (a socket this daemon made for an app) as an app socket: one
    /// bpf(2) call, the only cost a socket() pays for the guard. Errors as values: this is on the
    /// socket() path.
    /// </summary>
    internal Errno MarkAppSocket(int socketFd)
    {
        Span<byte> key = stackalloc byte[sizeof(int)];
        Span<byte> value = stackalloc byte[sizeof(int)];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(key, socketFd);
        value[0] = 1;
        return BpfSyscall.TryUpdate(Marker, key, value);
    }

    /// <summary>True when <paramref name="socketFd"/> has this run directory's app-socket entry.</summary>
    internal bool IsAppSocket(int socketFd)
    {
        Span<byte> key = stackalloc byte[sizeof(int)];
        Span<byte> value = stackalloc byte[sizeof(int)];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(key, socketFd);
        return BpfSyscall.TryLookup(Marker, key, value) == Errno.None;
    }

    internal Errno SetDaemon(DaemonIdentity daemon)
    {
        Span<byte> key = stackalloc byte[sizeof(int)];
        Span<byte> value = stackalloc byte[DaemonIdentity.Size];
        key.Clear();
        daemon.Encode(value);
        return BpfSyscall.TryUpdate(Daemon, key, value);
    }

    public void Dispose()
    {
        Marker.Dispose();
        Daemon.Dispose();
    }

    private static GuardMaps? TryCreate(out string? problem)
    {
        problem = null;
        Errno error = BpfSyscall.TryLoadBtf(IntBtf.Build(), out OwnedFd? btf);
        if (error != Errno.None)
        {
            problem = $"cannot load BTF type information ({error}); this kernel may lack CONFIG_BPF_SYSCALL";
            return null;
        }

        using (btf)
        {
            var markerAttr = new MapCreateAttr
            {
                MapType = BPF_MAP_TYPE_SK_STORAGE,
                KeySize = sizeof(int),
                ValueSize = sizeof(int),
                MaxEntries = 0,
                MapFlags = BPF_F_NO_PREALLOC,
                BtfFd = (uint)btf!.Fd,
                BtfKeyTypeId = IntBtf.IntTypeId,
                BtfValueTypeId = IntBtf.IntTypeId,
            };
            error = BpfSyscall.TryCreateMap(markerAttr, MarkerName, out OwnedFd? marker);
            if (error != Errno.None)
            {
                problem = $"cannot make a socket-storage map ({error}); it needs Linux 5.2 with CONFIG_BPF_SYSCALL";
                return null;
            }

            var daemonAttr = new MapCreateAttr { MapType = BPF_MAP_TYPE_ARRAY, KeySize = sizeof(int), ValueSize = DaemonIdentity.Size, MaxEntries = 1 };
            error = BpfSyscall.TryCreateMap(daemonAttr, DaemonName, out OwnedFd? daemon);
            if (error != Errno.None)
            {
                marker!.Dispose();
                problem = $"cannot make an array map ({error})";
                return null;
            }

            return new GuardMaps(marker!, daemon!, reused: false);
        }
    }

    private static GuardMaps? TryReuse(string path)
    {
        string[] ids;
        try
        {
            ids = File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        if (ids.Length != 2 ||
            !uint.TryParse(ids[0], NumberStyles.None, CultureInfo.InvariantCulture, out uint markerId) ||
            !uint.TryParse(ids[1], NumberStyles.None, CultureInfo.InvariantCulture, out uint daemonId))
        {
            return null;
        }

        OwnedFd? marker = TryOpen(markerId, BPF_MAP_TYPE_SK_STORAGE, MarkerName, sizeof(int), 0);
        OwnedFd? daemon = TryOpen(daemonId, BPF_MAP_TYPE_ARRAY, DaemonName, DaemonIdentity.Size, 1);
        if (marker is null || daemon is null)
        {
            marker?.Dispose();
            daemon?.Dispose();
            return null;
        }

        return new GuardMaps(marker, daemon, reused: true);
    }

    /// <summary>The map with this id if it is still there and is what ax made (ids are reused only after 2^31 maps, but checking costs little).</summary>
    private static OwnedFd? TryOpen(uint id, uint type, string name, uint valueSize, uint maxEntries)
    {
        if (BpfSyscall.TryOpenMap(id, out OwnedFd? map) != Errno.None)
        {
            return null;
        }

        if (BpfSyscall.TryGetMapInfo(map!, out MapInfo info, out string actualName) == Errno.None &&
            info.Type == type && info.KeySize == sizeof(int) && info.ValueSize == valueSize &&
            info.MaxEntries == maxEntries && actualName == name)
        {
            return map;
        }

        map!.Dispose();
        return null;
    }

    private void SaveIds(string path)
    {
        if (BpfSyscall.TryGetMapInfo(Marker, out MapInfo marker, out _) != Errno.None ||
            BpfSyscall.TryGetMapInfo(Daemon, out MapInfo daemon, out _) != Errno.None)
        {
            return;
        }

        string temporary = path + ".tmp";
        File.WriteAllText(temporary, string.Create(CultureInfo.InvariantCulture, $"{marker.Id} {daemon.Id}\n"));
        File.Move(temporary, path, overwrite: true);
    }
}
