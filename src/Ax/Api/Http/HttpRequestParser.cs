using System.Buffers;
using System.Text;

namespace Ax.Api.Http;

/// <summary>
/// Parses an HTTP/1.1 request head (RFC 9112) from the bytes received so far: the request line, then
/// header fields up to the empty line. Only what the API needs, strictly: CRLF line ends, a method that
/// is a token, an origin-form (or absolute-form) target, HTTP/1.0 or 1.1, field names without
/// surrounding space, no obs-fold, a body framed only by Content-Length. Anything else is refused
/// rather than guessed at, because a lenient parser in front of another one is how requests get smuggled.
/// </summary>
internal static class HttpRequestParser
{
    /// <summary>tchar, RFC 9110 section 5.6.2: the bytes a method or a field name may hold.</summary>
    private static readonly SearchValues<byte> TokenBytes =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    internal static HttpParseResult Parse(ReadOnlySpan<byte> data, int maxHeadBytes, long maxBodyBytes)
    {
        // Judge the request line as soon as it is whole, so that garbage is refused without waiting for more.
        int lineEnd = data.IndexOf("\r\n"u8);
        if (lineEnd < 0)
        {
            return data.Length >= maxHeadBytes
                ? HttpParseResult.Invalid(431, $"the request line and headers are larger than the {maxHeadBytes / 1024} KiB the API accepts")
                : HttpParseResult.Incomplete;
        }

        if (!TryParseRequestLine(data[..lineEnd], out string method, out string path, out string query, out int status, out string? problem))
        {
            return HttpParseResult.Invalid(status, problem!);
        }

        int headEnd = data.IndexOf("\r\n\r\n"u8);
        if (headEnd < 0 || headEnd + 4 > maxHeadBytes)
        {
            return headEnd >= 0 || data.Length >= maxHeadBytes
                ? HttpParseResult.Invalid(431, $"the request line and headers are larger than the {maxHeadBytes / 1024} KiB the API accepts")
                : HttpParseResult.Incomplete;
        }

        long contentLength = 0;
        bool sawContentLength = false;
        ReadOnlySpan<byte> fields = headEnd > lineEnd ? data[(lineEnd + 2)..(headEnd + 2)] : [];
        while (!fields.IsEmpty)
        {
            int end = fields.IndexOf("\r\n"u8);
            ReadOnlySpan<byte> line = fields[..end];
            fields = fields[(end + 2)..];
            if (line[0] is (byte)' ' or (byte)'\t')
            {
                // RFC 9112 section 5.2: a server may reject obs-fold with 400.
                return HttpParseResult.Invalid(400, "the request folds a header over several lines; send each header on one line");
            }

            int colon = line.IndexOf((byte)':');
            if (colon <= 0 || line[..colon].ContainsAnyExcept(TokenBytes))
            {
                // Includes whitespace before the colon, which RFC 9112 section 5.1 says must be rejected.
                return HttpParseResult.Invalid(400, "the request has a malformed header line; send 'Name: value' lines");
            }

            ReadOnlySpan<byte> value = line[(colon + 1)..].Trim(" \t"u8);
            if (!IsFieldValue(value))
            {
                return HttpParseResult.Invalid(400, "the request has a header value with control characters");
            }

            ReadOnlySpan<byte> name = line[..colon];
            if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
            {
                return HttpParseResult.Invalid(411, "the API does not take chunked or otherwise transfer-encoded bodies; send the body with a Content-Length");
            }

            if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
            {
                if (!TryParseLength(value, out long length))
                {
                    return HttpParseResult.Invalid(400, "the request's Content-Length is not a number of bytes");
                }

                // RFC 9112 section 6.3: differing lengths make the framing unknowable.
                if (sawContentLength && length != contentLength)
                {
                    return HttpParseResult.Invalid(400, "the request has several Content-Length headers that disagree");
                }

                sawContentLength = true;
                contentLength = length;
            }
        }

        if (contentLength > maxBodyBytes)
        {
            return HttpParseResult.Invalid(413, $"the request body is larger than the {maxBodyBytes / (1024 * 1024)} MiB the API accepts");
        }

        return new HttpParseResult(HttpParseOutcome.Complete, new HttpRequestHead(method, path, contentLength, query), headEnd + 4, 0, null);
    }

    private static bool TryParseRequestLine(ReadOnlySpan<byte> line, out string method, out string path, out string query, out int status, out string? problem)
    {
        method = path = query = string.Empty;
        status = 400;
        problem = "the request line is malformed; send 'METHOD /path HTTP/1.1'";
        int firstSpace = line.IndexOf((byte)' ');
        int lastSpace = line.LastIndexOf((byte)' ');
        if (firstSpace <= 0 || lastSpace <= firstSpace + 1)
        {
            return false;
        }

        ReadOnlySpan<byte> methodBytes = line[..firstSpace];
        ReadOnlySpan<byte> target = line[(firstSpace + 1)..lastSpace];
        ReadOnlySpan<byte> version = line[(lastSpace + 1)..];
        if (methodBytes.ContainsAnyExcept(TokenBytes) || target.ContainsAnyExceptInRange((byte)0x21, (byte)0x7e))
        {
            return false;
        }

        if (!version.SequenceEqual("HTTP/1.1"u8) && !version.SequenceEqual("HTTP/1.0"u8))
        {
            if (version.Length == 8 && version.StartsWith("HTTP/"u8) && char.IsAsciiDigit((char)version[5]) && version[6] == '.' && char.IsAsciiDigit((char)version[7]))
            {
                status = 505;
                problem = "the API speaks HTTP/1.1 only";
            }

            return false;
        }

        if (!TryGetPath(target, out path, out query))
        {
            problem = "the request target must be a path such as /api/v1/apps";
            return false;
        }

        method = Encoding.ASCII.GetString(methodBytes);
        return true;
    }

    /// <summary>The path of an origin-form target, or of an absolute-form one (RFC 9112 section 3.2.2), and its query apart (without the '?' and any fragment).</summary>
    private static bool TryGetPath(ReadOnlySpan<byte> target, out string path, out string query)
    {
        path = query = string.Empty;
        if (StartsWithIgnoreCase(target, "http://"u8) || StartsWithIgnoreCase(target, "https://"u8))
        {
            ReadOnlySpan<byte> afterScheme = target[(target.IndexOf("//"u8) + 2)..];
            int slash = afterScheme.IndexOfAny((byte)'/', (byte)'?');
            target = slash < 0 ? "/"u8 : afterScheme[slash] == '/' ? afterScheme[slash..] : "/"u8;
        }

        if (target.IsEmpty || target[0] != '/')
        {
            return false;
        }

        int end = target.IndexOfAny((byte)'?', (byte)'#');
        path = Encoding.ASCII.GetString(end < 0 ? target : target[..end]);
        if (end >= 0 && target[end] == '?')
        {
            ReadOnlySpan<byte> rest = target[(end + 1)..];
            int fragment = rest.IndexOf((byte)'#');
            query = Encoding.ASCII.GetString(fragment < 0 ? rest : rest[..fragment]);
        }
        return true;
    }

    private static bool StartsWithIgnoreCase(ReadOnlySpan<byte> text, ReadOnlySpan<byte> prefix) =>
        text.Length >= prefix.Length && Ascii.EqualsIgnoreCase(text[..prefix.Length], prefix);

    /// <summary>field-value, RFC 9110 section 5.5: visible bytes, space, tab and obs-text; no other controls.</summary>
    private static bool IsFieldValue(ReadOnlySpan<byte> value)
    {
        foreach (byte b in value)
        {
            if ((b < 0x20 && b != '\t') || b == 0x7f)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Content-Length = 1*DIGIT (RFC 9110 section 8.6); more than 18 digits cannot be a length we take.</summary>
    private static bool TryParseLength(ReadOnlySpan<byte> value, out long length)
    {
        length = 0;
        if (value.IsEmpty || value.Length > 18 || value.ContainsAnyExceptInRange((byte)'0', (byte)'9'))
        {
            return false;
        }

        foreach (byte digit in value)
        {
            length = (length * 10) + (digit - '0');
        }

        return true;
    }
}
