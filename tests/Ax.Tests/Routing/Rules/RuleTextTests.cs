using System.Text.Json;
using Ax.Cli;
using Ax.Routing.Amalgam8;
using Ax.Routing.Rules;

namespace Ax.Tests.Routing.Rules;

/// <summary>What <c>ax get rules</c> prints: YAML that reads back as the same rules, and the table's columns.</summary>
public sealed class RuleTextTests
{
    private const string Rules = """
        {"rules": [
          {"id": "hello", "priority": 2, "destination": "helloworld", "tags": ["team=x"],
           "route": {"backends": [{"tags": ["version=v1"], "weight": 0.25}, {"tags": ["version=v2"], "lb_type": "round_robin",
                     "resilience": {"max_connections": 8, "max_requests": 10}}], "http_req_timeout": 2.5, "uri": {"prefix": "/a"}}},
          {"id": "jason", "priority": 10, "destination": "reviews",
           "match": {"source": {"name": "productpage", "tags": ["user=jason"]}, "headers": {"Cookie": "^(.*?;)?(user=jason)(;.*)?$"}},
           "actions": [{"action": "delay", "duration": 7, "probability": 0.5, "tags": ["version=v2"]}, {"action": "trace", "log_key": "k", "log_value": "v \" \\ ü"}]}
        ]}
        """;

    [Fact]
    public void Yaml_ReadsBackAsTheSameRules()
    {
        Assert.True(A8RuleParser.TryParse(Rules, out A8Rule[]? rules, out string? problem), problem);
        string json = JsonSerializer.Serialize(new A8RuleSet(rules), RuleJsonContext.Default.A8RuleSet);

        string yaml = RuleYaml.FromJson(json);

        Assert.StartsWith("rules:\n- ", yaml, StringComparison.Ordinal);
        Assert.True(A8RuleParser.TryParse(yaml, out A8Rule[]? back, out problem), problem + "\n" + yaml);
        Assert.Equal(json, JsonSerializer.Serialize(new A8RuleSet(back), RuleJsonContext.Default.A8RuleSet));
    }

    [Fact]
    public void Table_ShowsShares_Matches_AndWideNamesWhatIsNotEnforced()
    {
        Assert.True(A8RuleParser.TryParse(Rules, out A8Rule[]? rules, out _));

        string[] lines = RuleTable.Render(rules, wide: true).Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');

        Assert.Matches(@"^ID\s+DESTINATION\s+PRIORITY\s+KIND\s+MATCH\s+BACKENDS/ACTIONS\s+TAGS\s+NOT-ENFORCED$", lines[0]);
        Assert.Matches(@"^hello\s+helloworld\s+2\s+route\s+-\s+version=v1:25% version=v2:75%\s+team=x\s+route.uri,http_req_timeout,resilience.max_requests$", lines[2]);
        Assert.Matches(@"^jason\s+reviews\s+10\s+actions\s+source=productpage\[user=jason\] headers=Cookie\s+delay=7s@0.5\[version=v2\] trace\s+-\s+match.headers,trace$", lines[3]);
        Assert.DoesNotContain("NOT-ENFORCED", RuleTable.Render(rules, wide: false), StringComparison.Ordinal);
    }

    [Fact]
    public void NotEnforced_IsEmptyForARuleAConnectTimeRouterHonoursWhole()
    {
        var rule = new A8Rule("web", "w", Match: new A8Match(new A8Source("client")), Route: new A8Route([new A8Backend(["v=1"], Resilience: new A8Resilience(MaxConnections: 3, ConsecutiveErrors: 2, SleepWindow: 5))]));
        Assert.Empty(NotEnforced.Fields(rule));
    }
}
