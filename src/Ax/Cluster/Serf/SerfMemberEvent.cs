namespace Ax.Cluster.Serf;

/// <summary>
/// Members joined, left, failed, changed their tags or were reaped. <paramref name="Kind"/> is the agent's
/// word: "member-join", "member-leave", "member-failed", "member-update" or "member-reap".
/// </summary>
internal sealed record SerfMemberEvent(string Kind, IReadOnlyList<SerfMember> Members) : SerfEvent;
