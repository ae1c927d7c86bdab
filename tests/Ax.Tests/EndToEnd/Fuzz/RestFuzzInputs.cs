using System.Text;

namespace Ax.Tests.EndToEnd.Fuzz;

/// <summary>
/// Requests for the REST fuzzer: the API's real routes and bodies (<see cref="Seeds"/>, extend it when a
/// route is added), and from a seeded <see cref="Random"/>, endless variations: other methods, mangled and
/// traversing paths, very long targets, JSON with bytes flipped, cut or retyped, random bytes, bodies
/// over the 1 MiB limit, wrong content types and piles of headers.
/// </summary>
internal sealed class RestFuzzInputs(int seed)
{
    /// <summary>Well-formed requests: every route the API has, and bodies of the shape its writers take.</summary>
    internal static readonly HttpCase[] Seeds =
    [
        HttpCase.Of("GET", "/api/v1/node"),
        HttpCase.Of("GET", "/api/v1/apps"),
        HttpCase.Of("GET", "/api/v1/servers"),
        HttpCase.Of("GET", "/api/v1/sockets"),
        HttpCase.Of("GET", "/api/v1/proxies"),
        HttpCase.Of("POST", "/api/v1/vservices", """{"name":"web","ip":"2.2.2.2","ports":[{"port":80,"proto":"tcp"}],"labels":["role=prod"],"backends":["1.1.1.1"]}"""),
        HttpCase.Of("DELETE", "/api/v1/vservices/web"),
    ];

    private static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "CONNECT", "FOO", "get", "G@T"];

    private static readonly string[] Paths =
    [
        "/", "//", "/api", "/api/v1", "/api/v1/", "/api/v2/apps", "/api/v1/APPS", "/api/v1/apps/", "/api/v1/apps/x/y",
        "/api/v1/../../etc/passwd", "/api/v1/%2e%2e/%2e%2e/etc/passwd", "/api/v1/..%2f..%2fetc%2fpasswd", "/api/v1/apps%00",
        "/api/v1/apps?o=json&o=yaml", "/api/v1/apps?%zz", "/api/v1/vservices/%ff%fe", "/api/v1/vservices/" + new string('a', 300),
        "/api/v1/vservices/..", "/api/v1/vservices/web/extra", "*", "http://ax/api/v1/apps", "/api/v1/ap ps", "/\u00e9\u00e8",
    ];

    private static readonly string?[] ContentTypes =
    [
        null, "application/json", "text/plain", "application/x-www-form-urlencoded", "application/json; charset=utf-16",
        "multipart/form-data; boundary=x", "application/json; charset=nonsense", "*/*", ";;;", "application/json\u00ff",
    ];

    private readonly Random _random = new(seed);

    internal HttpCase Next()
    {
        HttpCase seedCase = Seeds[_random.Next(Seeds.Length)];
        string method = Pick(0.7, seedCase.Method, () => Methods[_random.Next(Methods.Length)]);
        string target = _random.Next(10) switch
        {
            < 4 => seedCase.Target,
            < 7 => Paths[_random.Next(Paths.Length)],
            7 => MangleText(seedCase.Target),
            8 => seedCase.Target + "/" + new string('x', _random.Next(1, 20000)),
            _ => seedCase.Target + "?" + string.Join('&', Enumerable.Range(0, _random.Next(1, 200)).Select(i => $"k{i}={RandomText(8)}")),
        };
        byte[] body = _random.Next(10) switch
        {
            < 3 => seedCase.Body,
            3 => [],
            < 6 => Encoding.UTF8.GetBytes(MutateJson(SomeJson(seedCase))),
            6 => RandomBytes(_random.Next(1, 4096)),
            7 => Encoding.UTF8.GetBytes(new string('[', _random.Next(64, 100000))),
            8 => Encoding.UTF8.GetBytes(Retyped(SomeJson(seedCase))),
            _ => Huge(),
        };
        string? contentType = Pick(0.6, seedCase.ContentType ?? "application/json", () => ContentTypes[_random.Next(ContentTypes.Length)]);
        IReadOnlyList<string>? headers = _random.Next(12) switch
        {
            0 => [.. Enumerable.Range(0, _random.Next(50, 300)).Select(i => $"X-Fuzz-{i}: {RandomText(16)}")],
            1 => [$"X-Big: {new string('h', _random.Next(1000, 70000))}"],
            2 => ["Content-Encoding: gzip", "Expect: 100-continue"],
            3 => ["Transfer-Encoding: chunked"],
            _ => null,
        };

        if (headers is [string only] && only.StartsWith("Transfer-Encoding", StringComparison.Ordinal))
        {
            body = Chunked(body);
        }

        return new HttpCase(method, target, body, contentType, headers);
    }

    private string SomeJson(HttpCase seedCase) =>
        seedCase.Body.Length > 0 ? Encoding.UTF8.GetString(seedCase.Body) : Encoding.UTF8.GetString(Seeds[5].Body);

    private string MutateJson(string json)
    {
        var text = new StringBuilder(json);
        int edits = _random.Next(1, 6);
        for (int i = 0; i < edits && text.Length > 0; i++)
        {
            int at = _random.Next(text.Length);
            switch (_random.Next(5))
            {
                case 0: text[at] = (char)_random.Next(32, 127); break;
                case 1: text.Remove(at, Math.Min(_random.Next(1, 10), text.Length - at)); break;
                case 2: text.Insert(at, "{}[],:\"\\0-e9ntf"[_random.Next(15)]); break;
                case 3: text.Length = at; break;
                default: text.Insert(at, text.ToString(at, Math.Min(20, text.Length - at))); break;
            }
        }

        return text.ToString();
    }

    /// <summary>The same keys with values of the wrong type: numbers for strings, objects for lists, huge numbers, nulls.</summary>
    private string Retyped(string json)
    {
        string[] replacements = ["null", "0", "-1", "1e999", "99999999999999999999", "true", "{}", "[]", "\"\"", "\"\\u0000\"", $"\"{new string('z', 5000)}\""];
        var result = new StringBuilder();
        foreach (string part in json.Split(':'))
        {
            result.Append(result.Length == 0 ? part : ":" + replacements[_random.Next(replacements.Length)] + Tail(part));
        }

        return result.ToString();

        static string Tail(string part)
        {
            int comma = part.LastIndexOf(',');
            return comma < 0 ? "}" : part[comma..];
        }
    }

    /// <summary>The body in chunks, the sizes now and then wrong; always ends with the last chunk, so the request is complete.</summary>
    private byte[] Chunked(byte[] body)
    {
        var chunks = new MemoryStream();
        for (int at = 0; at < body.Length;)
        {
            int size = Math.Min(body.Length - at, _random.Next(1, 70000));
            string declared = _random.Next(8) == 0 ? "zz" : (size + (_random.Next(8) == 0 ? 3 : 0)).ToString("x", System.Globalization.CultureInfo.InvariantCulture);
            chunks.Write(Encoding.ASCII.GetBytes(declared + "\r\n"));
            chunks.Write(body, at, size);
            chunks.Write("\r\n"u8);
            at += size;
        }

        chunks.Write("0\r\n\r\n"u8);
        return chunks.ToArray();
    }

    private byte[] Huge()
    {
        // Just over the 1 MiB limit, as JSON (a long string), so only the size is wrong.
        var text = new StringBuilder("{\"name\":\"");
        text.Append('w', 1024 * 1024 + _random.Next(1, 4096));
        return Encoding.UTF8.GetBytes(text.Append("\"}").ToString());
    }

    private string MangleText(string text) =>
        string.Concat(text.Select(c => _random.Next(6) == 0 ? "%" + _random.Next(256).ToString("x2", System.Globalization.CultureInfo.InvariantCulture) : c.ToString()));

    private string RandomText(int length) =>
        new(Enumerable.Range(0, length).Select(_ => (char)_random.Next(0x21, 0x7f)).Where(c => c != '#').ToArray());

    private byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        _random.NextBytes(bytes);
        return bytes;
    }

    private T Pick<T>(double keep, T original, Func<T> other) => _random.NextDouble() < keep ? original : other();
}
