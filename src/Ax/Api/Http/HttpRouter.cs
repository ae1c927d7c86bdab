namespace Ax.Api.Http;

/// <summary>
/// Finds the handler for a request. A path no route matches goes to the fallback with no methods; a path
/// that routes match but not with this method goes to it with the methods that would work, so the API
/// can answer 405 and name them rather than a 404 that suggests the resource does not exist.
/// </summary>
internal sealed class HttpRouter(Func<HttpRequest, IReadOnlyList<string>, HttpResponse> fallback)
{
    private readonly List<HttpRoute> _routes = [];

    internal void Map(string method, string pattern, Func<HttpRequest, string[], HttpResponse> handler) =>
        _routes.Add(new HttpRoute(method, pattern, handler));

    internal void MapGet(string pattern, Func<HttpResponse> handler) => Map("GET", pattern, (_, _) => handler());

    internal HttpResponse Dispatch(HttpRequest request)
    {
        SortedSet<string>? allowed = null;
        foreach (HttpRoute route in _routes)
        {
            if (!route.TryMatch(request.Segments, out string[] values))
            {
                continue;
            }

            if (string.Equals(route.Method, request.Method, StringComparison.Ordinal))
            {
                return route.Handler(request, values);
            }

            (allowed ??= new SortedSet<string>(StringComparer.Ordinal)).Add(route.Method);
        }

        return fallback(request, allowed is null ? [] : [.. allowed]);
    }
}
