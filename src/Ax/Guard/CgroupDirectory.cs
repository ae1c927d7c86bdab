using System.Diagnostics.CodeAnalysis;
using System.Text;
using Ax.Interception;

namespace Ax.Guard;

/// <summary>
/// Opens this process's cgroup v2 directory, where the guard attaches its program. The path comes from
/// the <c>0::</c> line of /proc/self/cgroup (cgroups(7)); the directory is found under a cgroup2 mount of
/// /proc/self/mountinfo (/sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid systems). A process with no
/// such mount in its mount namespace (`ip netns exec` mounts a fresh /sys without the cgroup trees)
/// mounts cgroup2 on a directory of its own, opens the directory and detaches the mount at once: the
/// open descriptor is all BPF_LINK_CREATE needs.
/// </summary>
internal static class CgroupDirectory
{
    internal static bool TryOpen(string scratchDirectory, [NotNullWhen(true)] out OwnedFd? directory, [NotNullWhen(false)] out string? problem)
    {
        directory = null;
        string? path = File.ReadLines("/proc/self/cgroup").FirstOrDefault(l => l.StartsWith("0::", StringComparison.Ordinal))?[3..];
        if (path is null)
        {
            problem = "this process is in no cgroup v2 (unified) hierarchy";
            return false;
        }

        foreach (string line in File.ReadLines("/proc/self/mountinfo"))
        {
            if (TryParseCgroup2Mount(line, out string? root, out string? mountPoint) && TryRelative(path, root, out string? relative))
            {
                return TryOpenDirectory(mountPoint + relative, out directory, out problem);
            }
        }

        try
        {
            Directory.CreateDirectory(scratchDirectory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = $"no cgroup2 mount is visible and {scratchDirectory} cannot be made ({ex.Message})";
            return false;
        }

        if (Interop.Libc.Mount("cgroup2", scratchDirectory, "cgroup2", 0, 0) != 0)
        {
            problem = $"no cgroup2 mount is visible and mounting one failed ({Interop.LastErrno()})";
            Directory.Delete(scratchDirectory);
            return false;
        }

        try
        {
            return TryOpenDirectory(scratchDirectory + (path == "/" ? string.Empty : path), out directory, out problem);
        }
        finally
        {
            Interop.Libc.Umount2(scratchDirectory, Interop.Libc.MNT_DETACH);
            Directory.Delete(scratchDirectory);
        }
    }

    /// <summary>
    /// Reads one line of proc_pid_mountinfo(5): "36 35 98:0 /root /mnt/point opts [tags] - cgroup2 src opts".
    /// Returns the mount's root within the hierarchy and where it is mounted, octal escapes undone.
    /// </summary>
    internal static bool TryParseCgroup2Mount(string line, [NotNullWhen(true)] out string? root, [NotNullWhen(true)] out string? mountPoint)
    {
        root = null;
        mountPoint = null;
        string[] fields = line.Split(' ');
        int separator = Array.IndexOf(fields, "-");
        if (fields.Length < 5 || separator < 0 || separator + 1 >= fields.Length || fields[separator + 1] != "cgroup2")
        {
            return false;
        }

        root = Unescape(fields[3]);
        mountPoint = Unescape(fields[4]);
        return true;
    }

    /// <summary>The part of <paramref name="path"/> below <paramref name="root"/> ("" or "/a/b"), if it is below it.</summary>
    internal static bool TryRelative(string path, string root, [NotNullWhen(true)] out string? relative)
    {
        string trimmedRoot = root.TrimEnd('/');
        string trimmedPath = path.TrimEnd('/');
        if (trimmedPath == trimmedRoot || trimmedPath.StartsWith(trimmedRoot + "/", StringComparison.Ordinal))
        {
            relative = trimmedPath[trimmedRoot.Length..];
            return true;
        }

        relative = null;
        return false;
    }

    private static bool TryOpenDirectory(string path, [NotNullWhen(true)] out OwnedFd? directory, [NotNullWhen(false)] out string? problem)
    {
        int fd = Interop.Libc.Open(path, Interop.Libc.O_RDONLY | Interop.Libc.O_DIRECTORY | Interop.Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            directory = null;
            problem = $"cannot open the cgroup directory {path} ({Interop.LastErrno()})";
            return false;
        }

        directory = new OwnedFd(fd);
        problem = null;
        return true;
    }

    // The kernel writes space, tab, newline and backslash in mount paths as \ooo (show_mountinfo).
    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var text = new StringBuilder(field.Length);
        for (int i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length && IsOctal(field[i + 1]) && IsOctal(field[i + 2]) && IsOctal(field[i + 3]))
            {
                text.Append((char)(((field[i + 1] - '0') * 64) + ((field[i + 2] - '0') * 8) + (field[i + 3] - '0')));
                i += 3;
            }
            else
            {
                text.Append(field[i]);
            }
        }

        return text.ToString();
    }

    private static bool IsOctal(char c) => c is >= '0' and <= '7';
}
