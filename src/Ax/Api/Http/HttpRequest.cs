namespace Ax.Api.Http;

/// <summary>
/// A whole request as handlers see it: the method, the path as sent (for messages), its segments
/// percent-decoded (for routing; a segment that would decode to control characters or bad UTF-8 stays
/// as sent), the query, and the body.
/// </summary>
internal sealed class HttpRequest(string method, string path, ReadOnlyMemory<byte> body, string query = "")
{
    internal string Method { get; } = method;

    internal string Path { get; } = path;

    internal string[] Segments { get; } = [.. path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Decode)];

    internal ReadOnlyMemory<byte> Body { get; } = body;

    /// <summary>The query as sent, without the '?': <c>id=a&amp;id=b</c>.</summary>
    internal string Query { get; } = query;

    /// <summary>
    /// Every value of <paramref name="key"/> in the query, in order (a key may repeat: <c>?id=a&amp;id=b</c>, as
    /// Amalgam8's controller reads its filters); form encoding, so '+' is a space and %XX a byte of UTF-8
    /// (the URL standard's application/x-www-form-urlencoded parser). A value that would decode to control
    /// characters or bad UTF-8 stays as sent.
    /// </summary>
    internal string[] QueryValues(string key)
    {
        if (Query.Length == 0)
        {
            return [];
        }

        var values = new List<string>();
        foreach (string pair in Query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            string name = FormDecode(equals < 0 ? pair : pair[..equals]);
            if (string.Equals(name, key, StringComparison.Ordinal))
            {
                values.Add(FormDecode(equals < 0 ? string.Empty : pair[(equals + 1)..]));
            }
        }

        return [.. values];
    }

    private static string FormDecode(string text) => Decode(text.Replace('+', ' '));

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
