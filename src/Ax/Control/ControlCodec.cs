using System.Text;
using Ax.Contracts;

namespace Ax.Control;

/// <summary>
/// The launcher's side of the control protocol: writes <see cref="RunRequest"/> and reads
/// <see cref="RunReply"/> by hand.
/// Every <c>ax run</c> pays for this before its app starts, and the first use of a serializer
/// context costs ~0.6 ms of metadata set-up (perf on `ax run -- true`); this costs microseconds.
/// The daemon reads and writes the same JSON with <see cref="AxJsonContext"/>; a unit test keeps
/// the two in step, field by field.
/// </summary>
internal static class ControlCodec
{
    internal static string WriteRequest(RunRequest request)
    {
        var json = new StringBuilder(256);
        json.Append("{\"ip\":");
        WriteString(json, request.Ip);
        json.Append(",\"name\":");
        WriteString(json, request.Name);
        json.Append(",\"labels\":");
        WriteList(json, request.Labels);
        json.Append(",\"newNetns\":").Append(request.NewNetns ? "true" : "false");
        json.Append(",\"command\":");
        WriteList(json, request.Command);
        json.Append(",\"expose\":");
        WriteList(json, request.Expose);
        json.Append(",\"keepHostResolver\":").Append(request.KeepHostResolver ? "true" : "false");
        return json.Append('}').ToString();
    }

    /// <summary>
    /// Reads the daemon's reply; null when it is not one JSON object. Its string members are taken, any
    /// other member is skipped. Read by hand for the same reason the request is written by hand: the first
    /// use of Utf8JsonReader runs JsonReaderHelper's static set-up, ~0.1 ms of every launch (perf).
    /// </summary>
    internal static RunReply? ReadReply(string text)
    {
        string? appId = null, error = null, nodeIp = null, resolvConf = null;
        int at = 0;
        if (!Expect(text, ref at, '{'))
        {
            return null;
        }

        if (!Expect(text, ref at, '}'))
        {
            do
            {
                SkipSpace(text, ref at);
                if (!TryReadString(text, ref at, out string property) || !Expect(text, ref at, ':'))
                {
                    return null;
                }

                SkipSpace(text, ref at);
                string? value = null;
                if (at < text.Length && text[at] == '"')
                {
                    if (!TryReadString(text, ref at, out string read))
                    {
                        return null;
                    }

                    value = read;
                }
                else if (!TrySkipValue(text, ref at, depth: 0))
                {
                    return null;
                }

                switch (property)
                {
                    case "appId": appId = value; break;
                    case "error": error = value; break;
                    case "nodeIp": nodeIp = value; break;
                    case "resolvConf": resolvConf = value; break;
                }
            }
            while (Expect(text, ref at, ','));

            if (!Expect(text, ref at, '}'))
            {
                return null;
            }
        }

        SkipSpace(text, ref at);
        return at == text.Length ? new RunReply(appId, error, nodeIp, resolvConf) : null;
    }

    private static void SkipSpace(string text, ref int at)
    {
        while (at < text.Length && text[at] is ' ' or '\t' or '\n' or '\r')
        {
            at++;
        }
    }

    private static bool Expect(string text, ref int at, char token)
    {
        SkipSpace(text, ref at);
        if (at < text.Length && text[at] == token)
        {
            at++;
            return true;
        }

        return false;
    }

    /// <summary>A JSON string at <paramref name="at"/> (RFC 8259, section 7), escapes decoded.</summary>
    private static bool TryReadString(string text, ref int at, out string value)
    {
        value = string.Empty;
        if (at >= text.Length || text[at] != '"')
        {
            return false;
        }

        var builder = new StringBuilder();
        for (at++; at < text.Length; at++)
        {
            char c = text[at];
            if (c == '"')
            {
                at++;
                value = builder.ToString();
                return true;
            }

            if (c < ' ')
            {
                return false;
            }

            if (c != '\\')
            {
                builder.Append(c);
                continue;
            }

            if (++at >= text.Length)
            {
                return false;
            }

            switch (text[at])
            {
                case '"': builder.Append('"'); break;
                case '\\': builder.Append('\\'); break;
                case '/': builder.Append('/'); break;
                case 'b': builder.Append('\b'); break;
                case 'f': builder.Append('\f'); break;
                case 'n': builder.Append('\n'); break;
                case 'r': builder.Append('\r'); break;
                case 't': builder.Append('\t'); break;
                case 'u' when at + 4 < text.Length && ushort.TryParse(text.AsSpan(at + 1, 4), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out ushort unit):
                    builder.Append((char)unit);
                    at += 4;
                    break;
                default: return false;
            }
        }

        return false;
    }

    /// <summary>Steps over a number, true, false, null, array or object; false when it is malformed.</summary>
    private static bool TrySkipValue(string text, ref int at, int depth)
    {
        SkipSpace(text, ref at);
        if (at >= text.Length || depth > 32)
        {
            return false;
        }

        char c = text[at];
        if (c == '"')
        {
            return TryReadString(text, ref at, out _);
        }

        if (c is '{' or '[')
        {
            char close = c == '{' ? '}' : ']';
            at++;
            if (Expect(text, ref at, close))
            {
                return true;
            }

            do
            {
                SkipSpace(text, ref at);
                if (c == '{' && (!TryReadString(text, ref at, out _) || !Expect(text, ref at, ':')))
                {
                    return false;
                }

                if (!TrySkipValue(text, ref at, depth + 1))
                {
                    return false;
                }
            }
            while (Expect(text, ref at, ','));

            return Expect(text, ref at, close);
        }

        int start = at;
        while (at < text.Length && (char.IsAsciiLetterOrDigit(text[at]) || text[at] is '-' or '+' or '.'))
        {
            at++;
        }

        ReadOnlySpan<char> word = text.AsSpan(start, at - start);
        return word is "true" or "false" or "null" ||
            double.TryParse(word, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _);
    }

    private static void WriteList(StringBuilder json, IReadOnlyList<string>? values)
    {
        if (values is null)
        {
            json.Append("null");
            return;
        }

        json.Append('[');
        for (int i = 0; i < values.Count; i++)
        {
            if (i > 0)
            {
                json.Append(',');
            }

            WriteString(json, values[i]);
        }

        json.Append(']');
    }

    /// <summary>
    /// A JSON string (RFC 8259, section 7): quote, backslash and control characters escaped, the rest as
    /// is. Written by hand because Utf8JsonWriter's first use builds its encoder's tables, about 2% of an
    /// `ax run` start-up (perf).
    /// </summary>
    private static void WriteString(StringBuilder json, string? value)
    {
        if (value is null)
        {
            json.Append("null");
            return;
        }

        json.Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': json.Append("\\\""); break;
                case '\\': json.Append("\\\\"); break;
                case '\n': json.Append("\\n"); break;
                case '\r': json.Append("\\r"); break;
                case '\t': json.Append("\\t"); break;
                case < ' ': json.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture)); break;
                default: json.Append(c); break;
            }
        }

        json.Append('"');
    }
}
