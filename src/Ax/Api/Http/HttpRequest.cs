namespace Ax.Api.Http;

/// <summary>
/// A whole request as handlers see it: the method, the path as sent (for messages), its segments
/// percent-decoded (for routing; a segment that would decode to control characters or bad UTF-8 stays
/// as sent), and the body.
/// </summary>
internal sealed class HttpRequest(string method, string path, ReadOnlyMemory<byte> body)
{
    internal string Method { get; } = method;

    internal string Path { get; } = path;

    internal string[] Segments { get; } = [.. path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Decode)];

    internal ReadOnlyMemory<byte> Body { get; } = body;

    private static string Decode(string segment)
    {
        if (!segment.Contains('%', StringComparison.Ordinal))
        {
            return segment;
        }

        string decoded = Uri.UnescapeDataString(segment);
        return decoded.Any(c => char.IsControl(c) || c == '\uFFFD') ? segment : decoded;
    }
}
