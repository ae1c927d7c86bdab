namespace Ax.Cluster.Sync;

/// <summary>This node's own part of the table, which the sync protocol publishes to the other daemons.</summary>
internal interface ILocalNodeTable
{
    /// <summary>The table now; a new instance with a higher <see cref="NodeTable.Version"/> after each change.</summary>
    NodeTable Current { get; }

    /// <summary>Raised after <see cref="Current"/> changed; handlers are quick (they only schedule a send).</summary>
    event Action? Changed;
}
