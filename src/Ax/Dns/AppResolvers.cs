using System.Globalization;
using System.Text;
using Ax.Addressing;
using Ax.Interception;

namespace Ax.Dns;

/// <summary>
/// The nameservers an app's resolver will ask, read from the resolv.conf it sees (its own root, its own
/// mounts): ax's own server where ax could mount its resolv.conf over the app's, which then needs no
/// steering; the image's or the host's nameservers where it could not (an unprivileged container, where
/// mounting needs CAP_SYS_ADMIN), whose queries the daemon then sends to ax's server instead
/// (<see cref="Interception.SyscallHandler"/>), so ax names resolve there too.
/// <para>
/// The file is the app's, so it is read as untrusted: through openat2 with RESOLVE_IN_ROOT on the app's
/// /proc/PID/root (an absolute symbolic link such as /etc/resolv.conf -> /run/... is resolved inside the
/// app's root, not the daemon's), non-blocking (a FIFO there cannot park the daemon), a regular file only,
/// at most <see cref="MaxBytes"/> read.
/// </para>
/// </summary>
internal static class AppResolvers
{
    /// <summary>glibc reads at most 3 nameservers; a resolv.conf is a few hundred bytes. More is not read.</summary>
    internal const int MaxBytes = 16 * 1024;

    /// <summary>resolv.conf(5): with no nameserver line the resolver asks the local machine.</summary>
    private static readonly Ipv4Endpoint LocalNameserver = new(0x7f000001, DnsServerList.DnsPort);

    /// <summary>
    /// The IPv4 nameservers (port 53) of the app with <paramref name="pid"/>, leaving out ax's own server
    /// at <paramref name="axServer"/>; empty when the file cannot be read (the app then keeps what it has).
    /// </summary>
    internal static IReadOnlyList<Ipv4Endpoint> Read(int pid, Ipv4Endpoint axServer) =>
        ReadUnder(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/root"), axServer);

    /// <summary>The same for the file system whose root is <paramref name="rootDirectory"/>.</summary>
    internal static IReadOnlyList<Ipv4Endpoint> ReadUnder(string rootDirectory, Ipv4Endpoint axServer)
    {
        string? text = TryReadResolvConf(rootDirectory, out bool missing);
        if (text is null)
        {
            return missing ? [LocalNameserver] : [];
        }

        return Parse(text, axServer);
    }

    /// <summary>The nameservers of a resolv.conf's text, as <see cref="Read"/> gives them.</summary>
    internal static IReadOnlyList<Ipv4Endpoint> Parse(string text, Ipv4Endpoint axServer)
    {
        bool anyNameserver = text.Split('\n').Any(static line => line.TrimStart().StartsWith("nameserver", StringComparison.Ordinal));
        return anyNameserver ? DnsServerList.FromResolvConf(text, axServer) : [LocalNameserver];
    }

    private static unsafe string? TryReadResolvConf(string rootDirectory, out bool missing)
    {
        missing = false;
        int root = Interop.Libc.Open(rootDirectory, Interop.Libc.O_RDONLY | Interop.Libc.O_DIRECTORY | Interop.Libc.O_CLOEXEC, 0);
        if (root < 0)
        {
            return null;
        }

        using var rootFd = new OwnedFd(root);
        int fd = Interop.Libc.OpenAt2(root, "etc/resolv.conf", Interop.Libc.O_RDONLY | Interop.Libc.O_NONBLOCK | Interop.Libc.O_NOCTTY | Interop.Libc.O_CLOEXEC, Interop.Libc.RESOLVE_IN_ROOT);
        if (fd < 0)
        {
            missing = Interop.LastErrno() == Errno.ENOENT;
            return null;
        }

        using var file = new OwnedFd(fd);
        byte* stat = stackalloc byte[Interop.Libc.StatSize];
        if (Interop.Libc.Fstat(fd, stat) != 0 || (*(uint*)(stat + Interop.Libc.StatModeOffset) & Interop.Libc.S_IFMT) != Interop.Libc.S_IFREG)
        {
            return null;
        }

        byte[] buffer = new byte[MaxBytes];
        int length = 0;
        while (length < buffer.Length)
        {
            nint read;
            fixed (byte* at = &buffer[length])
            {
                read = Interop.Libc.Read(fd, at, (nuint)(buffer.Length - length));
            }

            if (read <= 0)
            {
                break;
            }

            length += (int)read;
        }

        return Encoding.UTF8.GetString(buffer, 0, length);
    }
}
