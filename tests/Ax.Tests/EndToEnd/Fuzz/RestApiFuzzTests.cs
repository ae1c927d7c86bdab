using System.Text.Json;
using Ax.Contracts;
using Xunit.Abstractions;

namespace Ax.Tests.EndToEnd.Fuzz;

/// <summary>
/// Bad input at the REST edge: fixed malformed requests and a bounded, seeded run of random and mutated
/// ones. Every answer is a well-formed HTTP status, never a 5xx; every error body is one sentence as
/// <c>{"error": "..."}</c>; and the daemon keeps serving afterwards, with its descriptors back where they were.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class RestApiFuzzTests(ITestOutputHelper output)
{
    private const int Iterations = 2000;
    private const int Seed = 20261121;

    [Theory]
    [InlineData("GET", "/api/v1/nosuch", 404, "no such resource")]
    [InlineData("GET", "/", 404, "no such resource")]
    [InlineData("POST", "/api/v1/apps", 405, "use GET")]
    [InlineData("DELETE", "/api/v1/servers", 405, "use GET")]
    [InlineData("PUT", "/API/V1/NODE/", 405, "use GET")]
    [InlineData("GET", "/api/v1/%2e%2e/%2e%2e/etc/passwd", 404, "no such resource")]
    public void UnknownRoutesAndWrongMethods_GetOneSentence(string method, string target, int status, string expected)
    {
        using var node = TestNode.Create();

        var answer = RawHttp.Send(ApiSocket(node), HttpCase.Of(method, target));

        Assert.Equal(status, answer.Status);
        Assert.Contains(expected, ErrorSentence(answer));
        if (status == 405)
        {
            Assert.Contains("Allow: GET", answer.Head);
        }
    }

    [Fact]
    public void RandomAndMutatedRequests_NeverGet5xx_ErrorsAreOneSentence_AndTheDaemonKeepsServing()
    {
        using var node = TestNode.Create();
        node.StartApp("--ip", "1.1.1.1", "python3", Scripts.Path("serve_text.py"), "80", "served");
        node.WaitForServers("1.1.1.1:80");
        int daemonPid = node.Daemon!.Pid;
        int baselineFds = node.DaemonFdsAtRest();
        var inputs = new RestFuzzInputs(Seed);
        var statuses = new SortedDictionary<int, int>();
        var slowest = new List<(double Ms, string Request)>();

        IEnumerable<HttpCase> cases = RestFuzzInputs.Seeds.Concat(Enumerable.Range(0, Iterations).Select(_ => inputs.Next()));
        foreach (HttpCase request in cases)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var answer = RawHttp.Send(ApiSocket(node), request);
            slowest.Add((watch.Elapsed.TotalMilliseconds, request.ToString()));
            statuses[answer.Status] = statuses.GetValueOrDefault(answer.Status) + 1;
            Assert.True(answer.Status is >= 200 and < 500, $"{request} -> {answer.Status}\n{answer.Head}\n{answer.Body}\n{node.Daemon.Output}");
            if (answer.Status >= 400 && answer.Body.Length > 0)
            {
                ErrorSentence(answer, request);
            }

            Assert.False(node.Daemon.HasExited, $"the daemon died on {request}:\n{node.Daemon.Output}");
        }

        foreach (var (ms, request) in slowest.OrderByDescending(s => s.Ms).Take(8))
        {
            output.WriteLine($"{ms:F0} ms: {request}");
        }

        output.WriteLine($"{Iterations} fuzzed requests (seed {Seed}), statuses: {string.Join(", ", statuses.Select(p => $"{p.Key}x{p.Value}"))}");
        Assert.Equal(0, node.Ax("get", "apps").ExitCode);
        Assert.Equal("served", node.Ax("run", "--", "curl", "-s", "1.1.1.1/").Stdout.Trim());
        Wait.Until(() => node.DaemonFdsAtRest() <= baselineFds, TimeSpan.FromSeconds(15),
            () => $"daemon fds {Directory.GetFiles($"/proc/{daemonPid}/fd").Length}, were {baselineFds}");
    }

    private static string ApiSocket(TestNode node) => Path.Combine(node.RunDir, "api.sock");

    /// <summary>The body must be <c>{"error": "one sentence"}</c>.</summary>
    private static string ErrorSentence(RawHttp.Answer answer, HttpCase? request = null)
    {
        ErrorInfo? error = null;
        try
        {
            error = JsonSerializer.Deserialize(answer.Body, AxJsonContext.Default.ErrorInfo);
        }
        catch (JsonException)
        {
        }

        Assert.True(error?.Error is { Length: > 0 } sentence && !sentence.Contains('\n'), $"{request} -> {answer.Status} with a body that is not one error sentence:\n{answer.Body}");
        return error!.Error;
    }
}
