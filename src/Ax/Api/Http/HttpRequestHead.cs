namespace Ax.Api.Http;

/// <summary>
/// A parsed request head: the method as sent (methods are case-sensitive, RFC 9110 section 9.1), the path
/// of the target without its query, the body's length (0 when no Content-Length was sent), and the query
/// as sent (after the '?', without a fragment; empty when there is none).
/// </summary>
internal sealed record HttpRequestHead(string Method, string Path, long ContentLength, string Query = "");
