using System.Globalization;
using System.Net;

namespace Ax.Cluster;

/// <summary>One entry of <c>--neighbors</c>: a node to join, by IPv4 address and, optionally, gossip port.</summary>
/// <param name="Address">The neighbor's node address.</param>
/// <param name="Port">Its gossip port, or null for "the same as ours" (nodes of a cluster normally share one).</param>
internal sealed record Neighbor(IPAddress Address, int? Port)
{
    /// <summary>
    /// True when this entry names the node itself: its address with no port or our own gossip port. Every
    /// node may be given the same list (seed 003: <c>--node-interface 192.168.0.2 --neighbors 192.168.0.2,192.168.0.3</c>).
    /// </summary>
    internal bool IsSelf(IPAddress nodeAddress, int gossipPort) =>
        Address.Equals(nodeAddress) && (Port ?? gossipPort) == gossipPort;

    /// <summary>The <c>-retry-join</c> address: always with a port, ours when none was given (Serf's own default is 7946, whatever ours is).</summary>
    internal string JoinAddress(int gossipPort) =>
        string.Create(CultureInfo.InvariantCulture, $"{Address}:{Port ?? gossipPort}");
}
