using System.Text.Json.Serialization;

namespace Ax.Cluster.Sync;

/// <summary>
/// Source-generated JSON for the sync protocol's frame bodies. Strict on receipt: a missing or null field
/// (nullable annotations and constructor parameters are enforced) or an unknown one fails the frame.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    MaxDepth = 8)]
[JsonSerializable(typeof(SyncHello))]
[JsonSerializable(typeof(NodeTable))]
[JsonSerializable(typeof(Contracts.VServiceInfo))]
[JsonSerializable(typeof(SyncDelta))]
[JsonSerializable(typeof(SyncDigest))]
[JsonSerializable(typeof(SyncRefusal))]
internal sealed partial class SyncJsonContext : JsonSerializerContext;
