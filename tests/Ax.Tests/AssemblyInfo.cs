using System.Runtime.Versioning;

// End-to-end tests share one collection (they run one after another); unit tests run beside them.
[assembly: CollectionBehavior(MaxParallelThreads = 2)]
[assembly: SupportedOSPlatform("linux")]
