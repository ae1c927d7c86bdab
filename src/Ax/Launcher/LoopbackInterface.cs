namespace Ax.Launcher;

/// <summary>Brings up "lo" in a fresh network namespace, so an app can still talk to itself on 127.0.0.1.</summary>
internal static unsafe class LoopbackInterface
{
    internal static Errno TryBringUp()
    {
        int fd = Interop.Libc.Socket(Interop.Libc.AF_INET, Interop.Libc.SOCK_DGRAM | Interop.Libc.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            return Interop.LastErrno();
        }

        try
        {
            var request = default(Interop.Libc.IfReqFlags);
            request.Name[0] = (byte)'l';
            request.Name[1] = (byte)'o';
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
