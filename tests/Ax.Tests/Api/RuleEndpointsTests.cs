using System.Text;
using System.Text.Json;
using Ax.Api;
using Ax.Api.Http;
using Ax.Routing.Rules;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ax.Tests.Api;

public sealed class RuleEndpointsTests
{
    private const string Canary = """
        {"rules": [
          {"id": "canary", "priority": 1, "destination": "helloworld", "tags": ["team=hello"],
           "route": {"backends": [{"tags": ["version=v2"], "weight": 0.25}, {"tags": ["version=v1"]}]}},
          {"priority": 10, "destination": "reviews", "match": {"source": {"name": "productpage", "tags": ["user=jason"]}},
           "actions": [{"action": "delay", "duration": 7, "probability": 1, "tags": ["version=v2"]}]}
        ]}
        """;

    private readonly RuleStore _store = new("n1", null, NullLogger.Instance);
    private readonly HttpRouter _routes = new(RestApi.NoRoute);

    public RuleEndpointsTests() => RuleEndpoints.Map(_routes, _store);

    private (int Status, JsonElement Body) Send(string method, string target, string? body = null)
    {
        int q = target.IndexOf('?', StringComparison.Ordinal);
        var request = new HttpRequest(method, q < 0 ? target : target[..q], Encoding.UTF8.GetBytes(body ?? string.Empty), q < 0 ? string.Empty : target[(q + 1)..]);
        HttpResponse response = _routes.Dispatch(request);
        return (response.Status, response.Body.Length == 0 ? default : JsonDocument.Parse(response.Body).RootElement.Clone());
    }

    [Fact]
    public void Amalgam8Post_Answers201WithTheIds_AndGetAnswersTheRulesAndRevision()
    {
        var (status, body) = Send("POST", "/v1/rules", Canary);
        Assert.Equal(201, status);
        string[] ids = [.. body.GetProperty("ids").EnumerateArray().Select(e => e.GetString()!)];
        Assert.Equal("canary", ids[0]);
        Assert.Equal(2, ids.Length);

        (status, body) = Send("GET", "/v1/rules");
        Assert.Equal(200, status);
        Assert.Equal(2, body.GetProperty("rules").GetArrayLength());
        Assert.Equal(1, body.GetProperty("revision").GetInt64());

        // Absent fields are left out, as the controller's omitempty does, and names are snake_case.
        JsonElement canary = body.GetProperty("rules").EnumerateArray().Single(r => r.GetProperty("id").GetString() == "canary");
        Assert.False(canary.TryGetProperty("actions", out _));
        Assert.Equal(0.25, canary.GetProperty("route").GetProperty("backends")[0].GetProperty("weight").GetDouble());
    }

    [Fact]
    public void Yaml_IsTakenToo()
    {
        const string yaml = """
            rules:
            - destination: ratings
              route:
                backends:
                - tags:
                  - version=v1
            """;
        Assert.Equal(201, Send("POST", "/api/v1/rules", yaml).Status);
        Assert.Equal("ratings", Assert.Single(_store.Rules).Destination);
    }

    [Fact]
    public void Filters_InTheQuery_MayRepeat()
    {
        Send("POST", "/v1/rules", Canary);
        Send("POST", "/v1/rules", """{"rules": [{"id": "other", "destination": "details", "route": {"backends": [{"tags": ["version=v1"]}]}}]}""");

        Assert.Equal(2, Send("GET", "/v1/rules?destination=helloworld&destination=details").Body.GetProperty("rules").GetArrayLength());
        Assert.Equal("canary", Send("GET", "/v1/rules?tag=team%3Dhello").Body.GetProperty("rules")[0].GetProperty("id").GetString());
        Assert.Equal(2, Send("GET", "/api/v1/rules?id=canary&id=other").Body.GetProperty("rules").GetArrayLength());
    }

    [Fact]
    public void RoutesAndActions_AreGroupedByDestination_AsTheControllerDoes()
    {
        Send("POST", "/v1/rules", Canary);

        JsonElement routes = Send("GET", "/v1/rules/routes").Body.GetProperty("services");
        Assert.Equal(["helloworld"], routes.EnumerateObject().Select(p => p.Name));
        Assert.Equal("canary", routes.GetProperty("helloworld")[0].GetProperty("id").GetString());

        JsonElement actions = Send("GET", "/v1/rules/actions").Body.GetProperty("services");
        Assert.Equal(["reviews"], actions.EnumerateObject().Select(p => p.Name));

        var (status, one) = Send("GET", "/v1/rules/routes/helloworld");
        Assert.Equal(200, status);
        Assert.Equal(1, one.GetProperty("rules").GetArrayLength());
        Assert.Equal(0, Send("GET", "/v1/rules/actions/helloworld").Body.GetProperty("rules").GetArrayLength());
    }

    [Fact]
    public void ABadRule_Is400WithItsPath_AndNothingChanges()
    {
        Send("POST", "/v1/rules", Canary);
        const string bad = """{"rules": [{"destination": "a", "route": {"backends": [{"tags": ["v=1"]}]}}, {"destination": "b", "route": {"backends": [{"tags": ["v=1"], "weight": 0.7}, {"tags": ["v=2"], "weight": 0.6}]}}]}""";

        var (status, body) = Send("POST", "/v1/rules", bad);

        Assert.Equal(400, status);
        Assert.StartsWith("rules[1].route.backends: the weights add up to 1.3", body.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, _store.Rules.Length);
        Assert.Equal(400, Send("POST", "/v1/rules", "not: [a rule").Status);
    }

    [Fact]
    public void Put_ReplacesByIdOr404s_AndDeleteRemovesByFilter()
    {
        Send("POST", "/v1/rules", Canary);
        string replaced = Canary.Replace("\"priority\": 1,", "\"priority\": 3,", StringComparison.Ordinal).Replace("{\"priority\": 10,", "{\"id\": \"nope\", \"priority\": 10,", StringComparison.Ordinal);

        Assert.Equal(404, Send("PUT", "/v1/rules", replaced).Status);
        Assert.Equal(200, Send("PUT", "/v1/rules", """{"rules": [{"id": "canary", "priority": 3, "destination": "helloworld", "route": {"backends": [{"tags": ["version=v1"]}]}}]}""").Status);
        Assert.Equal(3, _store.Rules.Single(r => r.Id == "canary").Priority);

        Assert.Equal(200, Send("DELETE", "/v1/rules/actions/reviews").Status);
        Assert.Equal("canary", Assert.Single(_store.Rules).Id);

        Assert.Equal(404, Send("DELETE", "/api/v1/rules/nope").Status);
        Assert.Equal(400, Send("DELETE", "/api/v1/rules").Status);
        Assert.Single(_store.Rules);
        var (status, body) = Send("DELETE", "/api/v1/rules/canary");
        Assert.Equal(200, status);
        Assert.Equal("canary", body.GetProperty("ids")[0].GetString());
        Assert.Empty(_store.Rules);
    }

    [Fact]
    public void AnotherNodesRule_Is409NamingTheOwner()
    {
        _store.ApplyPeer("node-b", [new Ax.Routing.Amalgam8.A8Rule("web", "theirs", Actions: [new Ax.Routing.Amalgam8.A8Action("trace")])]);

        var (status, body) = Send("DELETE", "/v1/rules?id=theirs");

        Assert.Equal(409, status);
        Assert.Contains("node node-b", body.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Single(_store.Rules);
    }

    [Fact]
    public void Health_Answers200()
    {
        Assert.Equal(200, Send("GET", "/health").Status);
        Assert.Equal(405, Send("PATCH", "/v1/rules").Status);
    }
}
