using System.Text;

namespace Ax.Launcher;

/// <summary>
/// Brings an interface of the app's new namespace up: "lo", so the app can still talk to itself on
/// 127.0.0.1, and the interface of --interface.
/// </summary>
internal static unsafe class InterfaceFlags
{
    /// <summary>Sets IFF_UP on the interface (SIOCGIFFLAGS, then SIOCSIFFLAGS; netdevice(7)).</summary>
    internal static Errno TryBringUp(string name)
    {
        // An AF_UNIX socket: interface ioctls work on a socket of any family, and the launcher may call
        // this under its own filter, which sends every AF_INET socket() to the daemon.
        int fd = Interop.Libc.Socket(Interop.Libc.AF_UNIX, Interop.Libc.SOCK_DGRAM | Interop.Libc.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            return Interop.LastErrno();
        }

        try
        {
            var request = default(Interop.Libc.IfReqFlags);
            Encoding.ASCII.GetBytes(name).CopyTo(new Span<byte>(request.Name, 15 /* IFNAMSIZ - 1 */));
            if (Interop.Libc.Ioctl(fd, Interop.Libc.SIOCGIFFLAGS, &request) != 0)
            {
                return Interop.LastErrno();
            }

            request.Flags |= Interop.Libc.IFF_UP;
            return Interop.Libc.Ioctl(fd, Interop.Libc.SIOCSIFFLAGS, &request) == 0 ? Errno.None : Interop.LastErrno();
        }
        finally
        {
            Interop.Libc.Close(fd);
        }
    }
}
