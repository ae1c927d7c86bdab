using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Ax.Api;

/// <summary>
/// Which methods the API serves on a path, so that a wrong method gets 405 and the methods to use
/// rather than a 404 that suggests the resource does not exist. Reads the routes at request time, so
/// routes mapped anywhere count. A route segment in braces matches any one segment.
/// </summary>
internal static class AllowedMethods
{
    internal static IReadOnlyList<string> For(IEndpointRouteBuilder routes, PathString path)
    {
        string[] requested = Segments(path.Value);
        var methods = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in routes.DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>())
        {
            var verbs = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods;
            string? pattern = endpoint.RoutePattern.RawText;
            if (verbs is null || pattern is null || !Matches(Segments(pattern), requested))
            {
                continue;
            }

            methods.UnionWith(verbs);
        }

        return [.. methods];
    }

    private static bool Matches(string[] pattern, string[] requested)
    {
        if (pattern.Length != requested.Length)
        {
            return false;
        }

        for (int i = 0; i < pattern.Length; i++)
        {
            bool parameter = pattern[i].StartsWith('{') && !pattern[i].StartsWith("{*", StringComparison.Ordinal);
            if (!parameter && !string.Equals(pattern[i], requested[i], StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return true;
    }

    private static string[] Segments(string? path) => (path ?? string.Empty).Split('/', StringSplitOptions.RemoveEmptyEntries);
}
