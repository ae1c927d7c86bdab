using System.Security.Cryptography;
using System.Text.Json;

namespace Ax.Cluster.Sync;

/// <summary>
/// A content hash of a node's table for the digest: SHA-256 over the JSON of its rows in key order, so the
/// publisher's table and a subscriber's copy rebuilt from deltas hash alike whatever order they were built
/// in. Incarnation and version are left out: the digest carries them in the clear.
/// </summary>
internal static class NodeTableHash
{
    internal static string Of(NodeTable table)
    {
        var canonical = NodeTableDiff.Sorted(table) with { Incarnation = 0, Version = 0 };
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(canonical, SyncJsonContext.Default.NodeTable);
        return Convert.ToHexStringLower(SHA256.HashData(json).AsSpan(0, 16));
    }
}
