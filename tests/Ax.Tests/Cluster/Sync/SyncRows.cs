using Ax.Cluster.Sync;

namespace Ax.Tests.Cluster.Sync;

/// <summary>Plausible apps and services for sync tests.</summary>
internal static class SyncRows
{
    internal static SyncApp App(string node, int i) =>
        new($"{node}-a{i}", $"web{i}", $"198.18.{i / 250}.{(i % 250) + 1}", true, ["role=web", $"n={i}"], 1000 + i, "python3 -m http.server");

    internal static SyncService Service(string node, int i) =>
        new((ulong)(40000 + i), $"{node}-s{i}", $"{node}-a{i % 7}", i % 5 == 0 ? "udp" : "tcp", $"198.18.0.{(i % 250) + 1}:{8000 + (i % 50000)}",
            $"10.213.0.1:{20000 + (i % 40000)}", $"0.0.0.0:{8000 + (i % 50000)}", ["role=web"], i % 5 == 0 ? 0 : 128);
}
