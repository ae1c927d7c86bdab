using System.Runtime.InteropServices;

namespace Ax.Interception;

/// <summary>A file descriptor this process owns and must close. An app's descriptors are never wrapped in this.</summary>
internal sealed class OwnedFd : SafeHandle
{
    internal OwnedFd(int fd)
        : base(-1, ownsHandle: true) => SetHandle(fd);

    public override bool IsInvalid => handle == -1;

    internal int Fd => (int)handle;

    protected override bool ReleaseHandle() => Interop.Libc.Close((int)handle) == 0;
}
