namespace Ax.Tests.EndToEnd.Fuzz;

/// <summary>One request for the REST fuzzer: method, raw request target, body and extra header lines, sent as given.</summary>
internal sealed record HttpCase(string Method, string Target, byte[] Body, string? ContentType = null, IReadOnlyList<string>? Headers = null)
{
    internal static HttpCase Of(string method, string target, string? json = null, string contentType = "application/json") =>
        new(method, target, json is null ? [] : System.Text.Encoding.UTF8.GetBytes(json), json is null ? null : contentType);

    public override string ToString() =>
        $"{Method} {(Target.Length > 120 ? Target[..120] + $"...({Target.Length} chars)" : Target)} body {Body.Length} bytes" +
        $"{(ContentType is null ? string.Empty : $" ({ContentType})")}{(Headers is null ? string.Empty : $" +{Headers.Count} headers")}";
}
