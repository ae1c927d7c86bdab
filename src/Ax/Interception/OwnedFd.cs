using System.Globalization;
using System.Runtime.InteropServices;

namespace Ax.Interception;

/// <summary>A file descriptor this process owns and must close. An app's descriptors are never wrapped in this.</summary>
internal sealed class OwnedFd : SafeHandle
{
    internal OwnedFd(int fd)
        : base(-1, ownsHandle: true) => SetHandle(fd);

    public override bool IsInvalid => handle == -1;

    internal int Fd => (int)handle;

    /// <summary>What the descriptor is, as /proc names it: "anon_inode:seccomp notify", "pipe:[123]", a path.</summary>
    internal string? Kind =>
        new FileInfo($"/proc/self/fd/{Fd.ToString(CultureInfo.InvariantCulture)}").LinkTarget;

    /// <summary>Whether this is a seccomp user-notification listener, as a confused or hostile peer may pass anything.</summary>
    internal bool IsSeccompListener => Kind == "anon_inode:seccomp notify";

    /// <summary>Whether this is a BPF link (what the keeper holds for the UDP send guard).</summary>
    internal bool IsBpfLink => Kind == "anon_inode:bpf_link";

    protected override bool ReleaseHandle() => Interop.Libc.Close((int)handle) == 0;
}
