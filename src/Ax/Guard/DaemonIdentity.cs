using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace Ax.Guard;

/// <summary>
/// Who the daemon is to the guard programs: its tgid as the daemon itself sees it, and the PID
/// namespace that number belongs to (the device and inode of its nsfs file, /proc/self/ns/pid).
/// bpf_get_current_pid_tgid gives the tgid in the machine's initial PID namespace, which a daemon in
/// a PID namespace of its own (a container without <c>pid: host</c>, <c>unshare --pid</c>) cannot
/// know: NSpid in /proc/self/status lists only the namespaces its /proc was mounted from downward.
/// So the programs ask bpf_get_ns_current_pid_tgid for the caller's tgid in this namespace instead
/// (kernel/bpf/helpers.c; offered to every program type since Linux 6.10, bpf_base_func_proto), which
/// fails for a caller in any other namespace.
/// <para>
/// The map value (<see cref="Size"/> bytes, <see cref="Encode"/>): the namespace's device (a kernel
/// dev_t, <see cref="KernelDevice"/>) at 0, its inode at 8, the tgid at 16.
/// </para>
/// </summary>
internal readonly record struct DaemonIdentity(int Tgid, ulong PidNamespaceDevice, ulong PidNamespaceInode)
{
    internal const int Size = 24;
    internal const short DeviceOffset = 0;
    internal const short InodeOffset = 8;
    internal const short TgidOffset = 16;

    private const string PidNamespacePath = "/proc/self/ns/pid";

    /// <summary>PROC_PID_INIT_INO, include/linux/proc_ns.h: the inode of the initial PID namespace, fixed.</summary>
    private const ulong InitialPidNamespaceInode = 0xEFFFFFFC;

    /// <summary>True for a daemon in the machine's initial PID namespace, where its tgid is the kernel's.</summary>
    internal bool IsInInitialPidNamespace => PidNamespaceInode == InitialPidNamespaceInode;

    /// <summary>This process, in the PID namespace it lives in; false, with the reason, where /proc cannot tell.</summary>
    internal static unsafe bool TryGetCurrent(out DaemonIdentity identity, [NotNullWhen(false)] out string? problem)
    {
        byte* stat = stackalloc byte[Interop.Libc.StatSize];
        if (Interop.Libc.Stat(PidNamespacePath, stat) != 0)
        {
            Errno error = Interop.LastErrno();
            identity = default;
            problem = $"cannot stat {PidNamespacePath} ({error}); is /proc mounted?";
            return false;
        }

        ulong device = *(ulong*)(stat + Interop.Libc.StatDeviceOffset);
        ulong inode = *(ulong*)(stat + Interop.Libc.StatInodeOffset);
        identity = new DaemonIdentity(Environment.ProcessId, KernelDevice(device), inode);
        problem = null;
        return true;
    }

    /// <summary>
    /// The kernel's dev_t for a st_dev: the helper compares its argument with the nsfs super block's
    /// s_dev (ns_match, fs/nsfs.c), MKDEV(major, minor) = major &lt;&lt; 20 | minor (include/linux/kdev_t.h),
    /// while stat(2) reports new_encode_dev's layout, which glibc's major()/minor() take apart
    /// (sys/sysmacros.h). The two agree only while the minor number is below 256.
    /// </summary>
    internal static ulong KernelDevice(ulong statDevice)
    {
        ulong major = ((statDevice >> 8) & 0xfff) | ((statDevice >> 32) & ~0xffful);
        ulong minor = (statDevice & 0xff) | ((statDevice >> 12) & ~0xfful);
        return (major << 20) | minor;
    }

    internal void Encode(Span<byte> value)
    {
        value[..Size].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(value[DeviceOffset..], PidNamespaceDevice);
        BinaryPrimitives.WriteUInt64LittleEndian(value[InodeOffset..], PidNamespaceInode);
        BinaryPrimitives.WriteInt32LittleEndian(value[TgidOffset..], Tgid);
    }
}
