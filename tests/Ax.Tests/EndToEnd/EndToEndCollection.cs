namespace Ax.Tests.EndToEnd;

/// <summary>
/// End-to-end tests share one collection per class by default; this name lets classes opt into running
/// one after another when they measure the daemon (fd and thread counts).
/// </summary>
[CollectionDefinition(Name)]
public sealed class EndToEndCollection
{
    internal const string Name = "end-to-end";
}
