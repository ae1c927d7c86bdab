using System.Text.Json.Serialization;

namespace Ax.Routing.Amalgam8;

/// <summary>
/// Amalgam8's field names (snake_case), strictly: an unknown field is an error (the schema's
/// additionalProperties: false), so a misspelt <c>wieght</c> is reported rather than ignored.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    AllowTrailingCommas = false)]
[JsonSerializable(typeof(A8RuleSet))]
internal sealed partial class A8JsonContext : JsonSerializerContext;
