using Ax.Routing.Amalgam8;

namespace Ax.Tests.Routing;

/// <summary>
/// Amalgam8 rule documents in the schema's own shape (amalgam8 pkg/api/rules-schema.json), written for these
/// tests in the style of amalgam8's testing/test-scripts: a weighted canary split, source-and-header routing,
/// fault actions, YAML and JSON. Every mistake is one sentence naming the rule and the field.
/// </summary>
public sealed class A8RuleParserTests
{
    [Fact]
    public void JsonCanarySplit_WeightsAndUnweightedRest()
    {
        const string text = """{"rules": [{"id": "shop-canary", "priority": 2, "destination": "shop", "route": {"backends": [{"tags": ["version=v2"], "weight": 0.1}, {"tags": ["version=v1"], "lb_type": "round_robin"}]}}]}""";

        Assert.True(A8RuleParser.TryParse(text, out var rules, out string? problem), problem);

        var rule = Assert.Single(rules);
        Assert.Equal(("shop-canary", 2.0, "shop"), (rule.Id, rule.Priority, rule.Destination));
        Assert.Equal(0.1, rule.Route!.Backends[0].Weight);
        Assert.Null(rule.Route.Backends[1].Weight);
        Assert.Equal("round_robin", rule.Route.Backends[1].LbType);
    }

    [Fact]
    public void YamlSourceMatchAndDelay_NumbersStayNumbers_QuotedTextStaysText()
    {
        const string text = """
            rules:
            - id: cart-slow-for-beta
              priority: 10
              destination: cart
              match:
                source:
                  name: web
                  tags:
                  - track=beta
                headers:
                  Cookie: "^(.*?;)?(user=ana)(;.*)?$"
              actions:
              - action: delay
                duration: 3.5
                probability: 1
                tags:
                - version=v1
            - id: cart-default
              destination: cart
              route:
                backends:
                - tags:
                  - version=v1
                  resilience:
                    max_connections: 8
                    consecutive_errors: 3
                    sleep_window: 5
                http_req_timeout: 2.5
                http_req_retries: 2
            """;

        Assert.True(A8RuleParser.TryParse(text, out var rules, out string? problem), problem);

        Assert.Equal(2, rules.Length);
        var delay = Assert.Single(rules[0].Actions!);
        Assert.Equal(("delay", 3.5, 1.0), (delay.Action, delay.Duration!.Value, delay.Probability!.Value));
        Assert.Equal("web", rules[0].Match!.Source!.Name);
        Assert.Equal("^(.*?;)?(user=ana)(;.*)?$", rules[0].Match!.Headers!["Cookie"]);
        Assert.Equal(0, rules[1].Priority);
        Assert.Equal(8, rules[1].Route!.Backends[0].Resilience!.MaxConnections);
        Assert.Equal((2.5, 2), (rules[1].Route!.HttpReqTimeout!.Value, rules[1].Route!.HttpReqRetries!.Value));
    }

    [Fact]
    public void AbortAndTrace_AndABareListOfRules()
    {
        const string text = """[{"destination": "pay", "actions": [{"action": "abort", "return_code": 503, "probability": 0.5}, {"action": "trace", "log_key": "k", "log_value": "v"}]}]""";

        Assert.True(A8RuleParser.TryParse(text, out var rules, out string? problem), problem);
        Assert.Equal(503, rules[0].Actions![0].ReturnCode);
        Assert.Equal("trace", rules[0].Actions![1].Action);
    }

    [Theory]
    [InlineData("""{"rules": [{"id": "r", "destination": "a", "route": {"backends": [{"tags": ["v=1"], "wieght": 0.5}]}}]}""", "rules[0].route.backends[0].wieght: unknown field")]
    [InlineData("""{"rules": [{"id": "r", "route": {"backends": [{"tags": ["v=1"]}]}}]}""", "rules[0]: lacks")]
    [InlineData("""{"rules": [{"id": "r", "destination": "a"}]}""", "rules[0]: a rule has either 'route' or 'actions'")]
    [InlineData("""{"rules": [{"id": "r", "destination": "a", "route": {"backends": [{"tags": ["v=1"], "weight": 0}]}}]}""", "rules[0].route.backends[0].weight: is 0;")]
    [InlineData("""{"rules": [{"id": "r", "destination": "a", "route": {"backends": [{"tags": ["v=1"], "weight": 0.7}, {"tags": ["v=2"], "weight": 0.6}]}}]}""", "rules[0].route.backends: the weights add up to 1.3")]
    [InlineData("""{"rules": [{"id": "r", "destination": "a", "route": {"backends": [{"tags": ["v=1"], "lb_type": "fastest"}]}}]}""", "use round_robin, least_request or random")]
    [InlineData("""{"rules": [{"id": "r", "destination": "a", "route": {"backends": [{"tags": ["v1"]}]}}]}""", "rules[0].route.backends[0].tags: ")]
    [InlineData("""{"rules": [{"destination": "a", "actions": [{"action": "delay"}]}]}""", "rules[0].actions[0].duration: a delay needs a 'duration'")]
    [InlineData("""{"rules": [{"destination": "a", "actions": [{"action": "abort", "return_code": 700}]}]}""", "from -5 to 599")]
    [InlineData("""{"rules": [{"destination": "a", "actions": [{"action": "explode"}]}]}""", "use delay, abort or trace")]
    [InlineData("""{"rules": [{"destination": "a", "priority": "high", "actions": [{"action": "trace"}]}]}""", "rules[0].priority: a value of the wrong type")]
    [InlineData("""{"rules": []}""", "no rules")]
    [InlineData("""rules: [ {destination: a""", "neither JSON nor valid YAML")]
    [InlineData("""{"rules": [""", "not valid JSON")]
    [InlineData("just words", "must be an object with a 'rules' list")]
    [InlineData("""{"details": {"reviewers": []}}""", "must be an object with a 'rules' list")]
    [InlineData("""{"rules": [{"id": "a", "destination": "a", "actions": [{"action": "trace"}]}, {"id": "b", "destination": "b", "actions": [{"action": "trace"}]}, {"destination": "c", "route": {"backends": [{"tags": ["v=1"], "weight": 1.5}]}}]}""", "rules[2].route.backends[0].weight: is 1.5;")]
    public void Mistakes_AreOneSentenceStartingWithTheFieldsJsonPath(string text, string expected)
    {
        Assert.False(A8RuleParser.TryParse(text, out _, out string? problem));
        Assert.Contains(expected, problem, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', problem);
    }

    [Fact]
    public void Fuzzed_Documents_NeverThrow()
    {
        const string seed = """{"rules": [{"id": "r", "priority": 1, "destination": "a", "match": {"source": {"name": "b", "tags": ["x=y"]}}, "route": {"backends": [{"tags": ["v=1"], "weight": 0.5}, {"tags": ["v=2"]}]}}]}""";
        var random = new Random(1234);
        for (int i = 0; i < 5000; i++)
        {
            char[] text = seed.ToCharArray();
            for (int m = random.Next(1, 4); m > 0; m--)
            {
                text[random.Next(text.Length)] = "{}[]\":,0.1-ax=\n "[random.Next(16)];
            }

            _ = A8RuleParser.TryParse(new string(text), out _, out _);
        }
    }
}
