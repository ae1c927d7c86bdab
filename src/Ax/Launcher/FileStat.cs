namespace Ax.Launcher;

/// <summary>
/// stat(2) for the launcher, which asks only whether a path exists and its mode: one system call, where
/// File.Exists and File.GetUnixFileMode take two and set up the file-system layer on every launch.
/// </summary>
internal static unsafe class FileStat
{
    /// <summary>The st_mode of <paramref name="path"/>, symbolic links followed; false when it cannot be read.</summary>
    internal static bool TryGetMode(string path, out uint mode)
    {
        byte* stat = stackalloc byte[Interop.Libc.StatSize];
        if (Interop.Libc.Stat(path, stat) != 0)
        {
            mode = 0;
            return false;
        }

        mode = *(uint*)(stat + Interop.Libc.StatModeOffset);
        return true;
    }
}
