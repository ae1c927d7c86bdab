namespace Ax.Api.Http;

/// <summary>
/// One method on one path pattern. Segments compare without regard to case, as ASP.NET Core routing
/// did; a segment in braces (<c>{name}</c>) matches any one segment and hands it to the handler.
/// </summary>
internal sealed class HttpRoute(string method, string pattern, Func<HttpRequest, string[], HttpResponse> handler)
{
    private readonly string[] _pattern = pattern.Split('/', StringSplitOptions.RemoveEmptyEntries);

    internal string Method { get; } = method;

    internal Func<HttpRequest, string[], HttpResponse> Handler { get; } = handler;

    /// <summary>Whether <paramref name="segments"/> fit the pattern; <paramref name="values"/> are the braced segments' values, in order.</summary>
    internal bool TryMatch(string[] segments, out string[] values)
    {
        values = [];
        if (segments.Length != _pattern.Length)
        {
            return false;
        }

        List<string>? captured = null;
        for (int i = 0; i < _pattern.Length; i++)
        {
            if (_pattern[i].StartsWith('{'))
            {
                (captured ??= []).Add(segments[i]);
            }
            else if (!string.Equals(_pattern[i], segments[i], StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        values = captured?.ToArray() ?? [];
        return true;
    }
}
