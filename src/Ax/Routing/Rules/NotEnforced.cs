using Ax.Routing.Amalgam8;

namespace Ax.Routing.Rules;

/// <summary>
/// The fields of a rule that a router deciding at connect() cannot honour: they are about HTTP requests, which
/// ax never sees (it steps out of the data path once the connection is made). They are accepted and kept, so
/// a rules file from a sidecar mesh loads unchanged, and named here so that <c>ax get rules -o wide</c> says
/// so rather than ignoring them in silence.
/// </summary>
internal static class NotEnforced
{
    /// <summary>The names of the fields of <paramref name="rule"/> not enforced at connect time, each once, in schema order.</summary>
    internal static string[] Fields(A8Rule rule)
    {
        var fields = new List<string>();
        if (rule.Match?.Headers is not null)
        {
            fields.Add("match.headers");
        }

        if (rule.Route is { } route)
        {
            if (route.Uri is not null)
            {
                fields.Add("route.uri");
            }

            if (route.HttpReqTimeout is not null)
            {
                fields.Add("http_req_timeout");
            }

            if (route.HttpReqRetries is not null)
            {
                fields.Add("http_req_retries");
            }

            A8Resilience?[] resilience = [.. route.Backends.Select(static b => b.Resilience)];
            if (resilience.Any(static r => r?.MaxPendingRequests is not null))
            {
                fields.Add("resilience.max_pending_requests");
            }

            if (resilience.Any(static r => r?.MaxRequests is not null))
            {
                fields.Add("resilience.max_requests");
            }

            if (resilience.Any(static r => r?.MaxRequestsPerConnection is not null))
            {
                fields.Add("resilience.max_requests_per_connection");
            }
        }

        if (rule.Actions?.Any(static a => a.Action == "trace") == true)
        {
            fields.Add("trace");
        }

        return [.. fields];
    }
}
