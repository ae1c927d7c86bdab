using System.Diagnostics;

namespace Ax.Tests.EndToEnd;

/// <summary>A directory of its own under the temporary directory (a DESTDIR, a scratch root), removed on dispose.</summary>
internal sealed class ScratchDirectory : IDisposable
{
    internal ScratchDirectory() =>
        Path = Directory.CreateDirectory(System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"axpkg-{Guid.NewGuid().ToString("N")[..8]}")).FullName;

    internal string Path { get; }

    internal string At(string relative) => System.IO.Path.Combine(Path, relative);

    /// <summary>Every file and symbolic link below the directory (not directories), relative, sorted; links are not followed.</summary>
    internal string[] Files()
    {
        var result = Shell.Run(new ProcessStartInfo("find", [Path, "-mindepth", "1", "!", "-type", "d", "-printf", "%P\\n"]), null, TimeSpan.FromSeconds(30));
        Assert.True(result.ExitCode == 0, result.ToString());
        return [.. result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)];
    }

    public void Dispose() => Shell.Run(new ProcessStartInfo("rm", ["-rf", "--one-file-system", Path]), null, TimeSpan.FromSeconds(30));
}
