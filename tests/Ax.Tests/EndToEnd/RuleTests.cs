using System.Text.Json;

namespace Ax.Tests.EndToEnd;

/// <summary>
/// Amalgam8 rules through the real binary: files in Amalgam8's schema loaded with <c>ax create rule -f</c>,
/// listed, posted with curl to the Amalgam8 controller's /v1/rules on the REST port, deleted, kept across a
/// daemon restart, and a bad rule refused with its path while nothing changes.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class RuleTests
{
    // Written for these tests in Amalgam8's schema (pkg/api/rules-schema.json): a helloworld-like 25/75 split,
    // a bookinfo-like source match for the user jason (with a header the connect-time router cannot see),
    // and a fault action.
    private const string Split = """
        {"rules": [{"id": "hello-split", "priority": 1, "destination": "hello",
          "route": {"backends": [{"tags": ["version=v2"], "weight": 0.25}, {"tags": ["version=v1"]}]}}]}
        """;

    private const string Jason = """
        rules:
        - id: shop-jason
          priority: 2
          destination: reviews
          match:
            source:
              name: shop
              tags:
              - user=jason
            headers:
              Cookie: "^(.*?;)?(user=jason)(;.*)?$"
          route:
            backends:
            - tags:
              - version=v2
        """;

    private const string Fault = """
        {"destination": "ratings", "priority": 5, "actions": [{"action": "abort", "return_code": 503, "probability": 0.5, "tags": ["version=v1"]}]}
        """;

    [Fact]
    public void RulesInTheAmalgam8Format_LoadThroughTheCliAndV1Rules_AndSurviveARestart()
    {
        using var node = TestNode.Create();
        string split = Write(node, "split.json", Split);
        string jason = Write(node, "jason.yaml", Jason);

        var created = node.Ax("create", "rule", "-f", split);
        var fromYaml = node.Ax("create", "rule", "-f", jason);
        var fromStdin = node.Run(["create", "rule", "-f", "-"], ax: true, stdin: Fault);
        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Equal("Rule 'hello-split' created successfully.", created.Stdout.Trim());
        Assert.True(fromYaml.ExitCode == 0, fromYaml.ToString());
        Assert.True(fromStdin.ExitCode == 0, fromStdin.ToString());
        string faultId = fromStdin.Stdout.Trim().Split('\'')[1];
        Assert.True(Guid.TryParse(faultId, out _), fromStdin.Stdout);

        var wide = node.Ax("get", "rules", "-o", "wide");
        Assert.True(wide.ExitCode == 0, wide.ToString());
        string[] lines = wide.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^ID\s+DESTINATION\s+PRIORITY\s+KIND\s+MATCH\s+BACKENDS/ACTIONS\s+TAGS\s+NOT-ENFORCED$", lines[0]);
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^hello-split\s+hello\s+1\s+route\s+-\s+version=v2:25% version=v1:75%\s+-\s+-$"));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^shop-jason\s+reviews\s+2\s+route\s+source=shop\[user=jason\] headers=Cookie\s+version=v2:100%\s+-\s+match\.headers$"));
        Assert.Contains(lines, l => l.StartsWith(faultId, StringComparison.Ordinal) && l.Contains("abort=503@0.5[version=v1]", StringComparison.Ordinal));

        // The Amalgam8 controller's API, on the REST port inside the node, with curl as an Amalgam8 script would.
        const string Posted = """{"rules": [{"id": "details-v1", "destination": "details", "route": {"backends": [{"tags": ["version=v1"]}]}}]}""";
        var post = node.Run(["curl", "-sS", "-w", "\n%{http_code}", "-X", "POST", "-H", "Content-Type: application/json", "-d", Posted, "http://127.0.0.1:6664/v1/rules"]);
        Assert.True(post.ExitCode == 0, post.ToString());
        Assert.Equal(["{\"ids\":[\"details-v1\"]}", "201"], post.Stdout.Trim().Split('\n'));

        var routes = node.Run(["curl", "-sS", "http://127.0.0.1:6664/v1/rules/routes/reviews"]);
        using (var document = JsonDocument.Parse(routes.Stdout))
        {
            JsonElement rule = Assert.Single(document.RootElement.GetProperty("rules").EnumerateArray().ToArray());
            Assert.Equal("shop-jason", rule.GetProperty("id").GetString());
            Assert.True(document.RootElement.GetProperty("revision").GetInt64() >= 4, routes.Stdout);
        }

        var grouped = node.Run(["curl", "-sS", "http://127.0.0.1:6664/v1/rules/actions"]);
        Assert.Contains("\"services\":{\"ratings\":[{", grouped.Stdout, StringComparison.Ordinal);
        Assert.Equal("200", node.Run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:6664/health"]).Stdout.Trim());

        // A bad rule in a set: refused with its path, exit 2, nothing changed.
        string bad = Write(node, "bad.json", """{"rules": [{"destination": "a", "route": {"backends": [{"tags": ["v=1"]}]}}, {"destination": "b", "route": {"backends": [{"tags": ["v=1"], "weight": 0.5}]}, "actions": [{"action": "trace"}]}]}""");
        var refused = node.Ax("create", "rule", "-f", bad);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("rules[1]: a rule has either 'route' or 'actions'", refused.Stderr, StringComparison.Ordinal);
        var badPost = node.Run(["curl", "-sS", "-w", "\n%{http_code}", "-X", "POST", "-d", """{"rules": [{"destination": "c", "route": {"backends": [{"tags": ["v=1"], "lb_type": "fastest"}]}}]}""", "http://127.0.0.1:6664/v1/rules"]);
        Assert.EndsWith("400", badPost.Stdout.Trim(), StringComparison.Ordinal);
        Assert.Contains("rules[0].route.backends[0].lb_type", badPost.Stdout, StringComparison.Ordinal);
        Assert.Equal(4, Ids(node).Length);

        // Delete one; the other three come back after a restart, the deleted one does not.
        var deleted = node.Ax("delete", "rule", "details-v1");
        Assert.True(deleted.ExitCode == 0, deleted.ToString());
        var missing = node.Ax("delete", "rule", "details-v1");
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("no rule 'details-v1'", missing.Stderr, StringComparison.Ordinal);

        node.StopDaemon();
        node.StartDaemon();
        Assert.Equal(((string[])["hello-split", "shop-jason", faultId]).Order(StringComparer.Ordinal), Ids(node).Order(StringComparer.Ordinal));

        // The YAML listing loads back as it is.
        var yaml = node.Ax("get", "rules", "-o", "yaml");
        Assert.True(yaml.ExitCode == 0, yaml.ToString());
        var again = node.Run(["create", "rule", "-f", "-"], ax: true, stdin: yaml.Stdout);
        Assert.True(again.ExitCode == 0, again.ToString() + yaml.Stdout);
        Assert.Equal(3, Ids(node).Length);
    }

    [Fact]
    public void CleanRestart_ForgetsTheRules()
    {
        using var node = TestNode.Create();
        var created = node.Ax("create", "rule", "-f", Write(node, "split.json", Split));
        Assert.True(created.ExitCode == 0, created.ToString());

        node.StopDaemon();
        node.StartDaemon("--clean");

        Assert.Empty(Ids(node));
    }

    private static string[] Ids(TestNode node)
    {
        var json = node.Ax("get", "rules", "-o", "json");
        Assert.True(json.ExitCode == 0, json.ToString());
        using var document = JsonDocument.Parse(json.Stdout);
        return [.. document.RootElement.GetProperty("rules").EnumerateArray().Select(r => r.GetProperty("id").GetString()!)];
    }

    private static string Write(TestNode node, string name, string text)
    {
        string path = Path.Combine(node.WorkDir, name);
        File.WriteAllText(path, text);
        return path;
    }
}
