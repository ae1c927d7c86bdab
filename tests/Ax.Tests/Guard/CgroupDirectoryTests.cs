using Ax.Guard;

namespace Ax.Tests.Guard;

public sealed class CgroupDirectoryTests
{
    [Theory]
    [InlineData("41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw", "/", "/sys/fs/cgroup/unified")]
    [InlineData("29 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate", "/", "/sys/fs/cgroup")]
    [InlineData("50 40 0:26 /ctr /mnt/my\\040cgroups rw - cgroup2 none rw", "/ctr", "/mnt/my cgroups")]
    public void TryParseCgroup2Mount_FindsRootAndMountPoint(string line, string root, string mountPoint)
    {
        Assert.True(CgroupDirectory.TryParseCgroup2Mount(line, out string? parsedRoot, out string? parsedMountPoint));
        Assert.Equal(root, parsedRoot);
        Assert.Equal(mountPoint, parsedMountPoint);
    }

    [Theory]
    [InlineData("32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu")]
    [InlineData("23 1 0:21 / /sys rw - sysfs sysfs rw")]
    public void TryParseCgroup2Mount_SkipsOtherFileSystems(string line)
    {
        Assert.False(CgroupDirectory.TryParseCgroup2Mount(line, out _, out _));
    }

    [Theory]
    [InlineData("/", "/", "")]
    [InlineData("/system.slice/ax.service", "/", "/system.slice/ax.service")]
    [InlineData("/ctr/app", "/ctr", "/app")]
    [InlineData("/ctr", "/ctr", "")]
    public void TryRelative_GivesThePathBelowTheMountsRoot(string path, string root, string relative)
    {
        Assert.True(CgroupDirectory.TryRelative(path, root, out string? below));
        Assert.Equal(relative, below);
    }

    [Fact]
    public void TryRelative_RefusesAPathOutsideTheMount()
    {
        Assert.False(CgroupDirectory.TryRelative("/ctr2/app", "/ctr", out _));
    }
}
