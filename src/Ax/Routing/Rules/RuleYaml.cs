using System.Text;
using System.Text.Json.Nodes;

namespace Ax.Routing.Rules;

/// <summary>
/// Writes a rules document as YAML for <c>ax get rules -o yaml</c>: block style, strings in double quotes
/// (JSON's escapes are YAML's, YAML 1.2 section 7.3.1), so that every string reads back as text and every
/// number as a number through <see cref="Amalgam8.A8RuleParser"/>. Built from the JSON tree, as a reflection
/// serializer would not survive NativeAOT trimming.
/// </summary>
internal static class RuleYaml
{
    internal static string FromJson(string json)
    {
        var text = new StringBuilder();
        Write(JsonNode.Parse(json), text, indent: 0, inList: false);
        return text.ToString();
    }

    private static void Write(JsonNode? node, StringBuilder text, int indent, bool inList)
    {
        string pad = new(' ', indent);
        switch (node)
        {
            case JsonObject obj when obj.Count > 0:
                bool first = true;
                foreach ((string key, JsonNode? value) in obj)
                {
                    // The first key of a list item goes on the dash's line.
                    text.Append(first && inList ? string.Empty : pad).Append(key).Append(':');
                    first = false;
                    WriteValue(value, text, indent + 2);
                }

                break;
            case JsonArray list when list.Count > 0:
                foreach (JsonNode? item in list)
                {
                    text.Append(pad).Append("- ");
                    if (item is JsonObject { Count: > 0 })
                    {
                        Write(item, text, indent + 2, inList: true);
                    }
                    else
                    {
                        text.Append(Scalar(item)).Append('\n');
                    }
                }

                break;
            default:
                text.Append(pad).Append(Scalar(node)).Append('\n');
                break;
        }
    }

    private static void WriteValue(JsonNode? value, StringBuilder text, int indent)
    {
        if (value is JsonObject { Count: > 0 } or JsonArray { Count: > 0 })
        {
            text.Append('\n');
            Write(value, text, value is JsonArray ? indent - 2 : indent, inList: false);
        }
        else
        {
            text.Append(' ').Append(Scalar(value)).Append('\n');
        }
    }

    private static string Scalar(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "{}",
        JsonArray => "[]",
        _ => node.ToJsonString(),
    };
}
