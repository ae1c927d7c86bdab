using System.Text;
using Ax.Api.Http;
using Ax.Routing.Amalgam8;
using Ax.Routing.Rules;

namespace Ax.Api;

/// <summary>
/// The Amalgam8 rules over REST, twice: ax's own resource under /api/v1/rules (what the CLI uses), and the
/// routes of Amalgam8's controller (controller/api/rules.go, health.go) with its answers, so that scripts
/// written for Amalgam8 run against ax unchanged: POST /v1/rules answers 201 <c>{"ids": [...]}</c>, GET
/// <c>{"rules": [...], "revision": N}</c>, PUT and DELETE 200, /v1/rules/routes and /actions the rules grouped
/// by destination. Both take filters in the query as the controller does: <c>id</c>, <c>tag</c> and
/// <c>destination</c>, each possibly repeated. Bodies are a rules document in JSON or YAML.
/// </summary>
internal static class RuleEndpoints
{
    internal static void Map(HttpRouter routes, RuleStore store)
    {
        const string Own = RestApi.Prefix + "/rules";
        routes.Map("GET", Own, (request, _) => List(store, Filter(request, RuleKind.Any)));
        routes.Map("POST", Own, (request, _) => Add(store, request));
        routes.Map("PUT", Own, (request, _) => Replace(store, request, idsInAnswer: true));
        routes.Map("DELETE", Own, (request, _) => Filter(request, RuleKind.Any) is { IsEmpty: false } filter
            ? Delete(store, filter, strict: true, idsInAnswer: true)
            : HttpResponse.Error(400, "name the rules to delete (?id=ID, ?destination=NAME or ?tag=TAG); ax's API does not delete every rule at once"));
        routes.Map("DELETE", Own + "/{id}", (_, values) => Delete(store, RuleFilter.ById(values[0]), strict: true, idsInAnswer: true));

        // Amalgam8's controller.
        const string A8 = "/v1/rules";
        routes.Map("GET", A8, (request, _) => List(store, Filter(request, RuleKind.Any)));
        routes.Map("POST", A8, (request, _) => Add(store, request));
        routes.Map("PUT", A8, (request, _) => Replace(store, request, idsInAnswer: false));
        routes.Map("DELETE", A8, (request, _) => Delete(store, Filter(request, RuleKind.Any), strict: false, idsInAnswer: false));
        routes.Map("GET", A8 + "/routes", (request, _) => ByService(store, Filter(request, RuleKind.Route)));
        routes.Map("GET", A8 + "/actions", (request, _) => ByService(store, Filter(request, RuleKind.Actions)));
        routes.Map("GET", A8 + "/routes/{destination}", (_, values) => List(store, RuleFilter.ForDestination(values[0], RuleKind.Route)));
        routes.Map("GET", A8 + "/actions/{destination}", (_, values) => List(store, RuleFilter.ForDestination(values[0], RuleKind.Actions)));
        routes.Map("DELETE", A8 + "/routes/{destination}", (_, values) => Delete(store, RuleFilter.ForDestination(values[0], RuleKind.Route), strict: false, idsInAnswer: false));
        routes.Map("DELETE", A8 + "/actions/{destination}", (_, values) => Delete(store, RuleFilter.ForDestination(values[0], RuleKind.Actions), strict: false, idsInAnswer: false));

        // The controller answers its health check with 200 and no body.
        routes.MapGet("/health", static () => new HttpResponse(200, [], null));
    }

    internal static RuleFilter Filter(HttpRequest request, RuleKind kind) =>
        new(request.QueryValues("id"), request.QueryValues("tag"), request.QueryValues("destination"), kind);

    private static HttpResponse List(RuleStore store, RuleFilter filter)
    {
        (A8Rule[] rules, long revision) = store.List(filter);
        return HttpResponse.Of(new A8RuleSet(rules, revision), RuleJsonContext.Default.A8RuleSet);
    }

    private static HttpResponse ByService(RuleStore store, RuleFilter filter)
    {
        var services = new SortedDictionary<string, A8Rule[]>(StringComparer.Ordinal);
        foreach (IGrouping<string, A8Rule> group in store.List(filter).Rules.GroupBy(static r => r.Destination, StringComparer.Ordinal))
        {
            services[group.Key] = [.. group];
        }

        return HttpResponse.Of(new RulesByService(services), RuleJsonContext.Default.RulesByService);
    }

    private static HttpResponse Add(RuleStore store, HttpRequest request)
    {
        if (!TryRead(request, out A8Rule[]? rules, out HttpResponse? refused))
        {
            return refused;
        }

        RuleOutcome outcome = store.TryAdd(rules, out string[] ids, out string? problem);
        return outcome == RuleOutcome.Done ? HttpResponse.Of(new RuleIds(ids), RuleJsonContext.Default.RuleIds, 201) : Refused(outcome, problem!);
    }

    private static HttpResponse Replace(RuleStore store, HttpRequest request, bool idsInAnswer)
    {
        if (!TryRead(request, out A8Rule[]? rules, out HttpResponse? refused))
        {
            return refused;
        }

        RuleOutcome outcome = store.TryReplace(rules, out string? problem);
        if (outcome != RuleOutcome.Done)
        {
            return Refused(outcome, problem!);
        }

        return idsInAnswer ? HttpResponse.Of(new RuleIds([.. rules.Select(static r => r.Id!)]), RuleJsonContext.Default.RuleIds) : new HttpResponse(200, [], null);
    }

    private static HttpResponse Delete(RuleStore store, RuleFilter filter, bool strict, bool idsInAnswer)
    {
        RuleOutcome outcome = store.TryDelete(filter, strict, out string[] deleted, out string? problem);
        if (outcome != RuleOutcome.Done)
        {
            return Refused(outcome, problem!);
        }

        return idsInAnswer ? HttpResponse.Of(new RuleIds(deleted), RuleJsonContext.Default.RuleIds) : new HttpResponse(200, [], null);
    }

    private static bool TryRead(HttpRequest request, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out A8Rule[]? rules, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out HttpResponse? refused)
    {
        refused = null;
        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(request.Body.Span);
        }
        catch (DecoderFallbackException)
        {
            rules = null;
            refused = HttpResponse.Error(400, "the request body is not UTF-8 text; send a rules document in JSON or YAML");
            return false;
        }

        if (!A8RuleParser.TryParse(text, out rules, out string? problem))
        {
            refused = HttpResponse.Error(400, problem);
            return false;
        }

        return true;
    }

    private static HttpResponse Refused(RuleOutcome outcome, string problem) => outcome switch
    {
        RuleOutcome.NotFound => HttpResponse.Error(404, problem),
        RuleOutcome.Conflict => HttpResponse.Error(409, problem),
        _ => HttpResponse.Error(400, problem),
    };
}
