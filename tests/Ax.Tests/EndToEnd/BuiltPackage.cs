namespace Ax.Tests.EndToEnd;

/// <summary>
/// The Debian package `make deb` makes of the ax binary the tests run, made once for PackagingTests.
/// xz level 1 instead of dpkg-deb's 6: the same files in a package made in a few seconds, not tens.
/// </summary>
public sealed class BuiltPackage : IDisposable
{
    private readonly ScratchDirectory _directory = new();

    public BuiltPackage()
    {
        PackagingTests.Make("deb", $"OUT={_directory.Path}", "DEB_COMPRESS=-Zxz -z1");
        Path = Assert.Single(Directory.GetFiles(_directory.Path, "ax_*.deb"));
    }

    internal string Path { get; }

    public void Dispose() => _directory.Dispose();
}
