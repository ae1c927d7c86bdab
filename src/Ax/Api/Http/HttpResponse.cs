using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Ax.Contracts;

namespace Ax.Api.Http;

/// <summary>A response to write: status, body with its content type, and the Allow header of a 405.</summary>
internal sealed class HttpResponse(int status, byte[] body, string? contentType, string? allow = null)
{
    private const string Json = "application/json; charset=utf-8";

    internal int Status { get; } = status;

    internal byte[] Body { get; } = body;

    internal string? ContentType { get; } = contentType;

    internal string? Allow { get; } = allow;

    internal static HttpResponse Of<T>(T value, JsonTypeInfo<T> typeInfo, int status = 200) =>
        new(status, JsonSerializer.SerializeToUtf8Bytes(value, typeInfo), Json);

    /// <summary>Every failed request ends this way: <c>{"error": "one sentence"}</c>.</summary>
    internal static HttpResponse Error(int status, string sentence, string? allow = null) =>
        new(status, JsonSerializer.SerializeToUtf8Bytes(new ErrorInfo(sentence), AxJsonContext.Default.ErrorInfo), Json, allow);

    internal static HttpResponse NoContent() => new(204, [], null);
}
