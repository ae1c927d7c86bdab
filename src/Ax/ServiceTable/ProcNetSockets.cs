using System.Globalization;

namespace Ax.ServiceTable;

/// <summary>
/// Reads the inodes of live sockets from /proc/net/tcp and /proc/net/udp (proc(5)) of the daemon's
/// network namespace, which is the node's: every host socket ax makes for an app lives there.
/// </summary>
internal static class ProcNetSockets
{
    private const string TcpListenState = "0A";

    /// <summary>
    /// Inodes of TCP sockets in LISTEN state. The kernel lists the listening hash before the established
    /// one (tcp_get_idx in net/ipv4/tcp_ipv4.c), and the file is generated as it is read, so reading stops
    /// at the first other state: tens of thousands of TIME_WAIT sockets cost nothing.
    /// </summary>
    internal static HashSet<ulong> ListeningTcpInodes(string path = "/proc/net/tcp") =>
        [.. ReadInodes(path, TcpListenState), .. ReadInodes(path + "6", TcpListenState)];

    /// <summary>Inodes of every UDP socket, IPv4 and IPv6 (UDP has no listen state: a bound socket is a server).</summary>
    internal static HashSet<ulong> UdpInodes(string path = "/proc/net/udp") => [.. ReadInodes(path, null), .. ReadInodes(path + "6", null)];

    internal static HashSet<ulong> ParseInodes(IEnumerable<string> lines, string? requiredState)
    {
        var inodes = new HashSet<ulong>();
        foreach (string line in lines.Skip(1))
        {
            // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 10)
            {
                continue;
            }

            if (requiredState is not null && fields[3] != requiredState)
            {
                break;
            }

            if (ulong.TryParse(fields[9], NumberStyles.None, CultureInfo.InvariantCulture, out ulong inode) && inode != 0)
            {
                inodes.Add(inode);
            }
        }

        return inodes;
    }

    /// <summary>The inodes listed in <paramref name="path"/>; none where it does not exist (a kernel without IPv6 has no tcp6).</summary>
    private static HashSet<ulong> ReadInodes(string path, string? requiredState) =>
        File.Exists(path) ? ParseInodes(File.ReadLines(path), requiredState) : [];
}
