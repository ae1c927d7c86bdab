namespace Ax.Cluster.Serf;

/// <summary>
/// A member's status as Serf reports it (serf/serf.go, MemberStatus.String): "alive", "leaving", "left",
/// "failed"; anything else (a newer agent's word) is <see cref="Unknown"/>.
/// </summary>
internal enum SerfMemberStatus
{
    Unknown,
    Alive,
    Leaving,
    Left,
    Failed,
}
