using System.Text.Json.Serialization;
using Ax.Routing.Amalgam8;

namespace Ax.Routing.Rules;

/// <summary>
/// How the store writes rules (its state file, the REST answers): Amalgam8's snake_case names, and absent
/// fields left out as the controller's Go structs do (omitempty), so what is written reads back through
/// <see cref="A8RuleParser"/> unchanged.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(A8RuleSet))]
[JsonSerializable(typeof(A8Rule))]
[JsonSerializable(typeof(RuleIds))]
[JsonSerializable(typeof(RulesByService))]
internal sealed partial class RuleJsonContext : JsonSerializerContext;
