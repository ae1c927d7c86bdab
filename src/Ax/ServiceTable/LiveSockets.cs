namespace Ax.ServiceTable;

/// <summary>
/// The inodes of the node's live host sockets, which decide whether a service is still there: from
/// <see cref="SocketDiag"/>, or from <see cref="ProcNetSockets"/> where the kernel offers no inet_diag
/// (CONFIG_INET_DIAG off, or its modules not loadable). Throws <see cref="IOException"/> when neither
/// can be read.
/// </summary>
internal static class LiveSockets
{
    internal static HashSet<ulong> ListeningTcpInodes()
    {
        var inodes = new HashSet<ulong>();
        return SocketDiag.TryListeningTcpInodes(inodes) == Errno.None ? inodes : ProcNetSockets.ListeningTcpInodes();
    }

    internal static HashSet<ulong> UdpInodes()
    {
        var inodes = new HashSet<ulong>();
        return SocketDiag.TryUdpInodes(inodes) == Errno.None ? inodes : ProcNetSockets.UdpInodes();
    }
}
