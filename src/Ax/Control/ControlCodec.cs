using System.Text;
using System.Text.Json;
using Ax.Contracts;

namespace Ax.Control;

/// <summary>
/// The launcher's side of the control protocol: writes <see cref="RunRequest"/> and reads
/// <see cref="RunReply"/> by hand and with <see cref="Utf8JsonReader"/>.
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
        return json.Append('}').ToString();
    }

    /// <summary>Reads the daemon's reply; null when it is not a JSON object.</summary>
    internal static RunReply? ReadReply(string text)
    {
        string? appId = null, error = null, nodeIp = null, resolvConf = null;
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(text));
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string property = reader.GetString()!;
                reader.Read();
                string? value = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                reader.Skip();
                switch (property)
                {
                    case "appId": appId = value; break;
                    case "error": error = value; break;
                    case "nodeIp": nodeIp = value; break;
                    case "resolvConf": resolvConf = value; break;
                }
            }
        }
        catch (JsonException)
        {
            return null;
        }

        return new RunReply(appId, error, nodeIp, resolvConf);
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
