namespace Ax.Daemon;

/// <summary>State a daemon saves under its run directory (run-dir/state); --clean removes it.</summary>
internal static class DaemonState
{
    internal static string Directory(string runDir) => Path.Combine(runDir, "state");

    internal static void Clean(string runDir)
    {
        string directory = Directory(runDir);
        if (System.IO.Directory.Exists(directory))
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
    }
}
