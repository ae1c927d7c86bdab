using System.Buffers;
using System.Text;
using System.Text.Json;
using Ax.Contracts;

namespace Ax.Control;

/// <summary>
/// The launcher's side of the control protocol: writes <see cref="RunRequest"/> and reads
/// <see cref="RunReply"/> with <see cref="Utf8JsonWriter"/>/<see cref="Utf8JsonReader"/> directly.
/// Every <c>ax run</c> pays for this before its app starts, and the first use of a serializer
/// context costs ~0.6 ms of metadata set-up (perf on `ax run -- true`); this costs microseconds.
/// The daemon reads and writes the same JSON with <see cref="AxJsonContext"/>; a unit test keeps
/// the two in step, field by field.
/// </summary>
internal static class ControlCodec
{
    internal static string WriteRequest(RunRequest request)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("ip", request.Ip);
            writer.WriteString("name", request.Name);
            WriteList(writer, "labels", request.Labels);
            writer.WriteBoolean("newNetns", request.NewNetns);
            WriteList(writer, "command", request.Command);
            WriteList(writer, "expose", request.Expose);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
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

    private static void WriteList(Utf8JsonWriter writer, string name, IReadOnlyList<string>? values)
    {
        if (values is null)
        {
            writer.WriteNull(name);
            return;
        }

        writer.WriteStartArray(name);
        foreach (string value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }
}
