using System.Net;

namespace Ax.Cluster.Serf;

/// <summary>One member of the Serf cluster as the agent's RPC reports it (command/agent/ipc.go, Member).</summary>
/// <param name="Name">The node name, unique in the cluster (<c>serf agent -node</c>).</param>
/// <param name="Address">The member's gossip address.</param>
/// <param name="Port">The member's gossip port.</param>
/// <param name="Tags">The member's tags (at most 512 bytes in all, encoded).</param>
/// <param name="Status">The member's status.</param>
/// <param name="StatusText">The status as the agent spelled it.</param>
internal sealed record SerfMember(
    string Name,
    IPAddress Address,
    int Port,
    IReadOnlyDictionary<string, string> Tags,
    SerfMemberStatus Status,
    string StatusText)
{
    internal static SerfMemberStatus ParseStatus(string text) => text switch
    {
        "alive" => SerfMemberStatus.Alive,
        "leaving" => SerfMemberStatus.Leaving,
        "left" => SerfMemberStatus.Left,
        "failed" => SerfMemberStatus.Failed,
        _ => SerfMemberStatus.Unknown,
    };
}
