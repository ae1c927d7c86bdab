namespace Ax.Api.Http;

/// <summary>
/// The result of parsing a request head: <see cref="Head"/> and the head's length in bytes (the body starts
/// there) when complete; the status and sentence to answer with when invalid.
/// </summary>
internal readonly record struct HttpParseResult(HttpParseOutcome Outcome, HttpRequestHead? Head, int HeadLength, int Status, string? Error)
{
    internal static HttpParseResult Incomplete => default;

    internal static HttpParseResult Invalid(int status, string error) => new(HttpParseOutcome.Invalid, null, 0, status, error);
}
