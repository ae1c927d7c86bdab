namespace Ax.Cluster.Sync;

/// <summary>Which end of a sync connection a stream wrapper (TLS) is asked to wrap.</summary>
internal enum SyncStreamSide
{
    /// <summary>The publisher's end: it accepted the connection (a TLS server).</summary>
    Publisher,

    /// <summary>The subscriber's end: it opened the connection (a TLS client).</summary>
    Subscriber,
}
