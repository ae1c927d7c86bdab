using Ax.Cli;
using Ax.Contracts;
using Ax.Control;
using Ax.Interception;

namespace Ax.Launcher;

/// <summary>
/// <c>ax run</c>: installs the seccomp filter, introduces the app to the daemon with the filter's
/// listener, moves into the network namespace the daemon answers with (or a new one) and becomes the
/// app with execve. Because ax becomes
/// the app (same pid), the app's exit status, stdio and signals are the caller's as if ax were not there.
/// </summary>
internal static class RunLauncher
{
    internal const int CommandNotFoundExit = 127;
    internal const int CommandNotExecutableExit = 126;

    /// <summary>Returns only when the app could not be started, with the exit code to use.</summary>
    internal static int Run(RunOptions options)
    {
        if (options.Command.Count == 0)
        {
            throw new CliException("no command given; usage: ax run [options] -- COMMAND [ARGS...]", 2);
        }

        UserAccount? user = RunOptionChecks.Check(options);
        CommandLookup lookup = CommandResolver.Resolve(options.Command[0], Environment.GetEnvironmentVariable("PATH"));
        switch (lookup.Status)
        {
            case CommandStatus.NotFound:
                throw new CliException($"{options.Command[0]}: command not found", CommandNotFoundExit);
            case CommandStatus.NotExecutable:
                throw new CliException($"{options.Command[0]}: permission denied (the file is not executable)", CommandNotExecutableExit);
        }

        // Not root: no namespace of its own, which is no loss where the caller's has only lo (a container
        // started with --net none, as a user other than root).
        bool stayInCallersNamespace = false;
        if (options.NewNetns && Interop.Libc.GetEuid() != 0)
        {
            if (!NetnsFallback.OnlyLoopback())
            {
                throw new CliException("ax run needs root to give the app its own network namespace; run it with sudo, or pass --new-netns=false to keep the caller's namespace");
            }

            stayInCallersNamespace = true;
        }

        string controlPath = RunDirectory.ControlSocket(options.RunDir);
        Errno error = SeqpacketSocket.TryConnect(controlPath, out SeqpacketSocket? control);
        if (error is Errno.ENOENT or Errno.ECONNREFUSED)
        {
            throw new CliException(RunDirectory.NotRunning(options.RunDir) +
                $", or, in a container, mount the host's run directory into it (-v {RunDirectory.Default}:{RunDirectory.Default})");
        }

        if (error == Errno.EACCES)
        {
            throw new CliException($"permission denied on the daemon's control socket {controlPath}; run ax as root");
        }

        if (error != Errno.None)
        {
            throw new CliException($"could not reach the ax daemon at {controlPath} ({error})");
        }

        using (control)
        {
            // The filter goes in first, so one message carries the request and the listener and one
            // answer brings the app's id and its namespace. From here on this thread must make no AF_INET
            // socket and no bind/connect/listen of its own before execve: the daemon would serve them.
            int listener = InstallFilter();
            RunReply reply = Introduce(control!, options, listener, out OwnedFd? readyNamespace);
            using (readyNamespace)
            {
                stayInCallersNamespace = stayInCallersNamespace || !EnterNamespace(options, readyNamespace);
            }

            if (stayInCallersNamespace && options.NewNetns)
            {
                NetnsFallback.Note();
                if (options.Interface is not null)
                {
                    throw new CliException($"--interface {options.Interface} needs the app's own network namespace, which ax may not make here (no CAP_SYS_ADMIN); drop --interface");
                }
            }

            if (options.Interface is not null)
            {
                AppInterface.Create(options.Interface, ParseNodeIp(reply));
            }

            if (options.DnsOverride && reply.ResolvConf is not null)
            {
                // The daemon names its resolv.conf by its own path; the file is in the run directory this
                // launcher reached it through, which a daemon in a container may see at another path.
                ResolverOverride.Apply(Path.Combine(options.RunDir, Dns.ResolvConf.FileName));
            }
        }

        List<byte[]>? environment = null;
        if (user is not null)
        {
            environment = ProgramExecutor.Environment(user.Environment);
            UserSwitch.Apply(user);
        }

        error = ProgramExecutor.Exec(lookup.Path, options.Command, environment);

        throw new CliException(
            $"{options.Command[0]}: could not be started ({error})",
            error == Errno.ENOENT ? CommandNotFoundExit : CommandNotExecutableExit);
    }

    private static RunReply Introduce(SeqpacketSocket control, RunOptions options, int listener, out OwnedFd? readyNamespace)
    {
        readyNamespace = null;
        RunRequest request = options.ToRequest();
        Errno sent = control.TrySend(ControlCodec.WriteRequest(request), listener);
        Interop.Libc.Close(listener);
        if (sent != Errno.None || control.TryReceive(out string text, out var stray) != Errno.None)
        {
            throw new CliException("the ax daemon closed the connection before accepting the app; see the daemon's log");
        }

        RunReply? reply = ControlCodec.ReadReply(text);
        if (reply is { Error: null } && options.NewNetns)
        {
            readyNamespace = stray; // a network namespace the daemon made ahead of time, if it had one
        }
        else
        {
            stray?.Dispose();
        }

        if (reply is null)
        {
            throw new CliException("the ax daemon sent an empty answer; see the daemon's log");
        }

        if (reply.Error is { } problem)
        {
            throw new CliException(problem, 2);
        }

        return reply;
    }

    private static uint ParseNodeIp(RunReply reply) =>
        Addressing.Ipv4Endpoint.TryParseAddress(reply.NodeIp, out uint nodeIp)
            ? nodeIp
            : throw new CliException("the ax daemon did not say its node IP, which --interface needs; update the daemon");

    /// <summary>
    /// Moves this thread into the app's own network namespace. False when ax may not (EPERM: no
    /// CAP_SYS_ADMIN, as in an unprivileged container); the app then stays where it is (<see cref="NetnsFallback"/>).
    /// </summary>
    private static bool EnterNamespace(RunOptions options, OwnedFd? readyNamespace)
    {
        if (!options.NewNetns)
        {
            return true; // nothing asked
        }

        if (Interop.Libc.GetEuid() != 0)
        {
            return false; // checked before the filter: the caller's namespace has only lo
        }

        // The daemon's ready namespace already has lo up. Should entering it fail, make one as before.
        if (readyNamespace is not null && Interop.Libc.Setns(readyNamespace.Fd, Interop.Libc.CLONE_NEWNET) == 0)
        {
            return true;
        }

        if (Interop.Libc.Unshare(Interop.Libc.CLONE_NEWNET) != 0)
        {
            Errno unshareError = Interop.LastErrno();
            if (unshareError == Errno.EPERM)
            {
                return false;
            }

            throw new CliException($"could not create a network namespace for the app ({unshareError}); ax run needs root (CAP_SYS_ADMIN)");
        }

        Errno error = InterfaceFlags.TryBringUp("lo");
        if (error != Errno.None)
        {
            throw new CliException($"could not bring up the loopback interface in the app's namespace ({error})");
        }

        return true;
    }

    private static int InstallFilter()
    {
        Errno error = SeccompInstaller.TryInstall(out int listener);
        if (error != Errno.None)
        {
            // A container runtime's seccomp profile answers a call it forbids with EPERM (docker's and
            // podman's defaultErrnoRet); the kernel's own seccomp(2) never does for SET_MODE_FILTER.
            throw new CliException(error switch
            {
                Errno.EINVAL or Errno.ENOSYS => "this kernel does not support seccomp user notification (Linux 5.9 or later is needed), or a container's seccomp profile forbids the seccomp system call; allow seccomp in the profile, or run the container with --security-opt seccomp=unconfined",
                Errno.EPERM => "the container's seccomp profile forbids the seccomp system call, which ax run needs to install its filter; allow seccomp in the profile (podman's and docker's default profiles do), or run with --security-opt seccomp=unconfined",
                _ => $"could not install the seccomp filter ({error})",
            });
        }

        return listener;
    }
}
