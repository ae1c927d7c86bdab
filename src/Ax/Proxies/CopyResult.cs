namespace Ax.Proxies;

/// <summary>How one direction of a proxied connection ended.</summary>
internal enum CopyResult
{
    /// <summary>The source closed its side; the destination was told with a write shutdown.</summary>
    Completed,

    /// <summary>Reading from the source failed (reset, or the proxy is stopping).</summary>
    SourceError,

    /// <summary>Writing to the destination failed.</summary>
    DestinationError,
}
