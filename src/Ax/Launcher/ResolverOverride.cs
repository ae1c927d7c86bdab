using Ax.Cli;

namespace Ax.Launcher;

/// <summary>
/// --dns-override (seed 003, "DNS Override"): the app gets a mount namespace of its own in which the
/// daemon's resolv.conf is bind-mounted over /etc/resolv.conf; the host's file and every other process
/// keep theirs. Runs on the thread that will execve the app: unshare(CLONE_NEWNS) moves only this
/// thread (it implies CLONE_FS, which the kernel unshares per thread), and the app inherits it.
/// </summary>
internal static class ResolverOverride
{
    private const string Target = "/etc/resolv.conf";

    internal static void Apply(string daemonResolvConf)
    {
        if (Interop.Libc.GetEuid() != 0)
        {
            // Only root may make a mount namespace without a user namespace, and a user namespace would
            // change what the app sees of uids and capabilities. The app keeps its resolv.conf, and the
            // daemon sends the queries to its nameservers to ax's DNS server (Interception/SyscallHandler.Dns.cs).
            return;
        }

        // stat(2) follows a symlink (systemd-resolved's /etc/resolv.conf is one), and so does mount(2): the
        // link's target is covered, in this namespace only. A dangling link leaves nothing to cover.
        if (!FileStat.TryGetMode(Target, out _))
        {
            Console.Error.WriteLine($"ax: note: the app keeps its resolver: {Target} does not exist (or is a dangling link), so there is nothing to mount ax's over");
            return;
        }

        if (Interop.Libc.Unshare(Interop.Libc.CLONE_NEWNS) != 0)
        {
            Errno error = Interop.LastErrno();
            if (error == Errno.EPERM)
            {
                // Root without CAP_SYS_ADMIN, as in an unprivileged container: the same as not being root.
                return;
            }

            throw new CliException($"could not give the app its own mount namespace for its resolv.conf ({error}); pass --dns-override=false to keep the host's resolver");
        }

        // Slave, recursively: mounts the host makes still reach the app, and nothing mounted here goes back.
        if (Interop.Libc.Mount(null, "/", null, Interop.Libc.MS_REC | Interop.Libc.MS_SLAVE, 0) != 0)
        {
            throw new CliException($"could not make the app's mounts private to it ({Interop.LastErrno()}); pass --dns-override=false to keep the host's resolver");
        }

        if (Interop.Libc.Mount(daemonResolvConf, Target, null, Interop.Libc.MS_BIND, 0) != 0)
        {
            throw new CliException($"could not mount {daemonResolvConf} over {Target} for the app ({Interop.LastErrno()}); pass --dns-override=false to keep the host's resolver");
        }

        // Read-only, so an app cannot rewrite the file every other app of the daemon reads. Best effort:
        // the override works without it.
        Interop.Libc.Mount(null, Target, null, Interop.Libc.MS_BIND | Interop.Libc.MS_REMOUNT | Interop.Libc.MS_RDONLY, 0);
    }
}
