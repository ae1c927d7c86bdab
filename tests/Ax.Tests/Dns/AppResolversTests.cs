using System.Diagnostics;
using Ax.Addressing;
using Ax.Dns;

namespace Ax.Tests.Dns;

/// <summary>
/// The nameservers an app's resolver asks, read from the app's own root as the daemon reads them: an app's
/// file is untrusted, so a FIFO, a link out of its root or a huge file must cost the daemon nothing.
/// </summary>
public sealed class AppResolversTests : IDisposable
{
    private static readonly Ipv4Endpoint AxServer = new((127u << 24) | 11, 53);
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"axroot-{Guid.NewGuid():N}");

    public AppResolversTests() => Directory.CreateDirectory(Path.Combine(_root, "etc"));

    private string ResolvConf => Path.Combine(_root, "etc", "resolv.conf");

    [Fact]
    public void Nameservers_AreTheIpv4OnesInOrder_WithoutAxsOwnServer()
    {
        File.WriteAllText(ResolvConf, "# made by the runtime\nsearch example.org\nnameserver 192.0.2.53\nnameserver 2001:db8::53\nnameserver 127.0.0.11\nnameserver 198.51.100.7\n");

        Assert.Equal(["192.0.2.53:53", "198.51.100.7:53"], AppResolvers.ReadUnder(_root, AxServer).Select(static e => e.ToString()));
    }

    [Fact]
    public void AFileThatNamesOnlyAx_NeedsNoSteering()
    {
        File.WriteAllText(ResolvConf, "nameserver 127.0.0.11\nsearch appswitch.local\n");

        Assert.Empty(AppResolvers.ReadUnder(_root, AxServer));
    }

    [Fact]
    public void NoFile_OrNoNameserverLine_MeansTheLocalMachine_AsResolvConf5Says()
    {
        Assert.Equal(["127.0.0.1:53"], AppResolvers.ReadUnder(_root, AxServer).Select(static e => e.ToString()));
        File.WriteAllText(ResolvConf, "options ndots:2\n");
        Assert.Equal(["127.0.0.1:53"], AppResolvers.ReadUnder(_root, AxServer).Select(static e => e.ToString()));
    }

    [Fact]
    public void AnAbsoluteLink_IsFollowedInsideTheAppsRoot_NotTheDaemons()
    {
        Directory.CreateDirectory(Path.Combine(_root, "run"));
        File.WriteAllText(Path.Combine(_root, "run", "stub.conf"), "nameserver 192.0.2.9\n");
        File.CreateSymbolicLink(ResolvConf, "/run/stub.conf");

        Assert.Equal(["192.0.2.9:53"], AppResolvers.ReadUnder(_root, AxServer).Select(static e => e.ToString()));
    }

    [Fact]
    public void AFifo_ReturnsAtOnce_WithNothingToSteer()
    {
        using (Process mkfifo = Process.Start("mkfifo", [ResolvConf])!)
        {
            Assert.True(mkfifo.WaitForExit(5000) && mkfifo.ExitCode == 0);
        }

        var watch = Stopwatch.StartNew();

        var nameservers = AppResolvers.ReadUnder(_root, AxServer);

        Assert.Empty(nameservers);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), watch.Elapsed.ToString());
    }

    [Fact]
    public void AHugeFile_IsReadOnlyAsFarAsTheLimit()
    {
        File.WriteAllText(ResolvConf, "nameserver 192.0.2.1\n" + new string('#', AppResolvers.MaxBytes * 4) + "\nnameserver 192.0.2.2\n");

        Assert.Equal(["192.0.2.1:53"], AppResolvers.ReadUnder(_root, AxServer).Select(static e => e.ToString()));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
