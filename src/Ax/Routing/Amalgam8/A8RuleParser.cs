using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Ax.Routing.Amalgam8;

/// <summary>
/// Reads an Amalgam8 rules document, JSON or YAML as Amalgam8's own tools accept them, into rules that
/// passed every check of the schema (<see cref="A8RuleValidation"/>). YAML is read as a node tree (no
/// reflection, so NativeAOT keeps it whole) and turned into the JSON the schema describes: a plain scalar
/// that reads as a number or a boolean is one, a quoted one stays text. Every problem is one sentence that
/// starts with the JSON path of the field at fault, such as <c>rules[2].route.backends[0].weight</c>.
/// </summary>
internal static class A8RuleParser
{
    /// <summary>The most a document may hold: more is a mistake, not a rule set.</summary>
    internal const int MaxRules = 4096;

    internal static bool TryParse(string text, [NotNullWhen(true)] out A8Rule[]? rules, [NotNullWhen(false)] out string? problem)
    {
        rules = null;
        JsonNode? document;
        string trimmed = text.TrimStart();
        if (trimmed.StartsWith('{') || trimmed.StartsWith('['))
        {
            try
            {
                document = JsonNode.Parse(text);
            }
            catch (JsonException ex)
            {
                problem = $"the rules are not valid JSON ({ex.Message.ReplaceLineEndings(" ")})";
                return false;
            }
        }
        else if (!TryReadYaml(text, out document, out problem))
        {
            return false;
        }

        // Amalgam8 also takes a bare list of rules; the schema's document is {"rules": [...]}. Paths in messages start at 'rules' either way.
        if (document is JsonArray list)
        {
            document = new JsonObject { ["rules"] = list };
        }

        // One rule on its own, as `ax create rule -f` also takes it.
        if (document is JsonObject single && !single.ContainsKey("rules") && single.ContainsKey("destination"))
        {
            document = new JsonObject { ["rules"] = new JsonArray(single) };
        }

        if (document is not JsonObject top || !top.ContainsKey("rules"))
        {
            problem = "the rules document must be an object with a 'rules' list, as in {\"rules\": [{\"destination\": \"web\", \"route\": {...}}]}";
            return false;
        }

        A8RuleSet? set;
        try
        {
            set = document.Deserialize(A8JsonContext.Default.A8RuleSet);
        }
        catch (JsonException ex)
        {
            problem = Explain(ex);
            return false;
        }

        if (set is null || set.Rules.Length == 0)
        {
            problem = "the document has no rules; give at least one under 'rules'";
            return false;
        }

        if (set.Rules.Length > MaxRules)
        {
            problem = $"the document has {set.Rules.Length} rules; at most {MaxRules} are taken at once";
            return false;
        }

        for (int i = 0; i < set.Rules.Length; i++)
        {
            if (A8RuleValidation.Problem(set.Rules[i], $"rules[{i}]") is { } why)
            {
                problem = why;
                return false;
            }
        }

        rules = set.Rules;
        problem = null;
        return true;
    }

    /// <summary>The JSON reader's complaint, as one sentence with the field's path.</summary>
    private static string Explain(JsonException ex)
    {
        string path = ex.Path is { Length: > 1 } p ? p.TrimStart('$', '.') : "the document";

        string message = ex.Message.ReplaceLineEndings(" ");
        if (message.Contains("could not be mapped", StringComparison.Ordinal))
        {
            return $"{path}: unknown field; the schema has no such field (check its spelling against amalgam8's rules-schema.json)";
        }

        if (message.Contains("missing required properties", StringComparison.Ordinal))
        {
            int start = message.IndexOf("properties including: ", StringComparison.Ordinal);
            string which = start >= 0 ? message[(start + "properties including: ".Length)..].TrimEnd('.') : "a required field";
            return $"{path}: lacks {which}";
        }

        return $"{path}: a value of the wrong type";
    }

    private static bool TryReadYaml(string text, out JsonNode? document, [NotNullWhen(false)] out string? problem)
    {
        document = null;
        var yaml = new YamlStream();
        try
        {
            yaml.Load(new StringReader(text));
            if (yaml.Documents.Count != 1)
            {
                problem = "the rules file holds no YAML document, or more than one; give one document with a 'rules' list";
                return false;
            }

            document = ToJson(yaml.Documents[0].RootNode, depth: 0);
        }
        catch (YamlException ex)
        {
            problem = $"the rules are neither JSON nor valid YAML (line {ex.Start.Line}: {ex.Message.ReplaceLineEndings(" ")})";
            return false;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this on some broken flow collections (found by the fuzz test).
            problem = "the rules are neither JSON nor valid YAML (a bracket or brace is not closed)";
            return false;
        }

        problem = null;
        return true;
    }

    private static JsonNode? ToJson(YamlNode node, int depth)
    {
        if (depth > 32)
        {
            throw new YamlException("the document nests deeper than a rule ever does");
        }

        switch (node)
        {
            case YamlMappingNode map:
                var obj = new JsonObject();
                foreach (var (key, child) in map.Children)
                {
                    obj[(key as YamlScalarNode)?.Value ?? throw new YamlException("a key that is not a plain word")] = ToJson(child, depth + 1);
                }

                return obj;
            case YamlSequenceNode sequence:
                var array = new JsonArray();
                foreach (YamlNode item in sequence.Children)
                {
                    array.Add(ToJson(item, depth + 1));
                }

                return array;
            case YamlScalarNode scalar:
                string value = scalar.Value ?? string.Empty;
                if (scalar.Style != YamlDotNet.Core.ScalarStyle.Plain)
                {
                    return JsonValue.Create(value);
                }

                if (value is "" or "~" or "null" or "Null" or "NULL")
                {
                    return null;
                }

                if (value is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
                {
                    return JsonValue.Create(value.Equals("true", StringComparison.OrdinalIgnoreCase));
                }

                if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long integer))
                {
                    return JsonValue.Create(integer);
                }

                return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double number)
                    ? JsonValue.Create(number)
                    : JsonValue.Create(value);
            default:
                return null;
        }
    }
}
