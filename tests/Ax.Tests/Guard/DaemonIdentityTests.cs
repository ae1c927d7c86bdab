using Ax.Guard;

namespace Ax.Tests.Guard;

public sealed class DaemonIdentityTests
{
    [Theory]
    [InlineData(0x4ul, 0x4ul)]                      // nsfs here: major 0, minor 4, the same in both layouts
    [InlineData(0x0803ul, (8ul << 20) | 3)]         // /dev/sda3: major 8, minor 3
    [InlineData(0x12345ul, (0x123ul << 20) | 0x45)] // three-digit major
    [InlineData(0x1200ul, (0x12ul << 20))]
    [InlineData(0x100004ul, 0x104ul)]               // anonymous minor 260: stat puts its high bits above the major
    public void KernelDevice_IsMkdevOfStatsMajorAndMinor(ulong statDevice, ulong kernelDevice) =>
        Assert.Equal(kernelDevice, DaemonIdentity.KernelDevice(statDevice));

    [Fact]
    public void Current_IsThisProcessAndTheNamespaceProcShows()
    {
        Assert.True(DaemonIdentity.TryGetCurrent(out DaemonIdentity self, out string? problem), problem);
        Assert.Equal(Environment.ProcessId, self.Tgid);

        // readlink gives "pid:[INODE]", the nsfs inode the helper compares.
        Assert.Equal($"pid:[{self.PidNamespaceInode}]", new FileInfo("/proc/self/ns/pid").LinkTarget);
    }
}
