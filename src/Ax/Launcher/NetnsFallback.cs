namespace Ax.Launcher;

/// <summary>
/// Where ax may not give the app a network namespace of its own, the app stays in the caller's, as
/// <c>--new-netns=false</c> would keep it, and one line on stderr says so. That is the case in a container
/// without CAP_SYS_ADMIN (podman's and docker's default): setns(2) and unshare(CLONE_NEWNET) need it
/// (net/core/net_namespace.c, netns_install; kernel/nsproxy.c, unshare_nsproxy_namespaces), and such a
/// container is usually started with <c>--net none</c>, so its namespace already has only lo and is as
/// empty as the one ax would make. Launcher/Native/main.c prints the same words.
/// <para>
/// The daemon still treats the app as one outside the node's namespace (the request keeps
/// <c>newNetns: true</c>): a container's loopback is its own, not the node's.
/// </para>
/// </summary>
internal static class NetnsFallback
{
    /// <summary>
    /// Interfaces of the calling thread's network namespace other than lo, from /proc/thread-self/net/dev
    /// (proc(5); per namespace, and per thread since unshare(2) moves one thread). -1 when /proc cannot tell.
    /// </summary>
    internal static int CountInterfaces()
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines("/proc/thread-self/net/dev");
        }
        catch (IOException)
        {
            return -1;
        }
        catch (UnauthorizedAccessException)
        {
            return -1;
        }

        // Two header lines, then "  NAME: counters" per interface.
        return lines.Skip(2).Count(static line => line.Contains(':', StringComparison.Ordinal) && !line.TrimStart().StartsWith("lo:", StringComparison.Ordinal));
    }

    /// <summary>Whether the caller's namespace has only lo, so that staying in it isolates the app as well as a new one.</summary>
    internal static bool OnlyLoopback() => CountInterfaces() == 0;

    /// <summary>The one line that says where the app runs, and why.</summary>
    internal static void Note()
    {
        Console.Error.WriteLine(OnlyLoopback()
            ? "ax: note: the app runs in this network namespace, which has only lo (as in a container started with --net none), since ax may not give it one of its own here (no CAP_SYS_ADMIN)"
            : "ax: note: the app runs in the caller's network namespace, as with --new-netns=false, since ax may not give it one of its own here (no CAP_SYS_ADMIN); its sockets are still ax's");
    }
}
