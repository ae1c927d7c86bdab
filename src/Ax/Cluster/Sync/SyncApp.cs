namespace Ax.Cluster.Sync;

/// <summary>An app running on a node, as its daemon announces it to the cluster.</summary>
/// <param name="Id">The app's id, unique in the cluster; the key of the row.</param>
/// <param name="Name">Its name (<c>--name</c>), or empty.</param>
/// <param name="Ip">Its virtual address (its <c>--ip</c>, else its node's address).</param>
/// <param name="HasOwnIp">Whether <paramref name="Ip"/> is the app's own (<c>--ip</c>).</param>
/// <param name="Labels">Its labels, <c>key=value</c>.</param>
/// <param name="Pid">Its process id on its node.</param>
/// <param name="Command">Its command line, for display.</param>
internal sealed record SyncApp(string Id, string Name, string Ip, bool HasOwnIp, string[] Labels, int Pid, string Command)
{
    /// <summary>Its <c>--expose</c> rules as typed (<c>8000:0.0.0.0:10000</c>): other nodes serve the ports it exposes on them.</summary>
    public string[]? Expose { get; init; }

    /// <summary>Value equality, labels included (a record compares arrays by reference).</summary>
    public bool Equals(SyncApp? other) =>
        other is not null && Id == other.Id && Name == other.Name && Ip == other.Ip && HasOwnIp == other.HasOwnIp &&
        Pid == other.Pid && Command == other.Command && Labels.AsSpan().SequenceEqual(other.Labels) &&
        (Expose ?? []).AsSpan().SequenceEqual(other.Expose ?? []);

    public override int GetHashCode() => HashCode.Combine(Id, Name, Ip, Pid);
}
