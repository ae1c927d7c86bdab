using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Ax.Api;
using Ax.Api.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ax.Tests.Api.Http;

/// <summary>The server over a real unix socket, in process: framing across reads, deadlines, and handler failures.</summary>
public sealed class HttpServerTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ax-http-").FullName;

    private string SocketPath => Path.Combine(_directory, "api.sock");

    [Fact]
    public async Task Body_SplitAcrossManyWrites_ReachesTheHandlerWhole()
    {
        using var server = Start(request => HttpResponse.Error(200, Encoding.UTF8.GetString(request.Body.Span)));
        using var client = Connect();
        string body = new('b', 200_000);
        byte[] request = Encoding.ASCII.GetBytes($"POST /echo HTTP/1.1\r\nContent-Length: {body.Length}\r\n\r\n{body}");

        for (int at = 0; at < request.Length; at += 7919)
        {
            client.Send(request.AsSpan(at, Math.Min(7919, request.Length - at)));
            if (at < 40_000)
            {
                await Task.Delay(2);
            }
        }

        string answer = ReadAll(client);
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", answer);
        Assert.Contains(body, answer);
    }

    [Fact]
    public void PipelinedGarbage_AfterARequest_GetsOneAnswer_AndTheConnectionCloses()
    {
        int handled = 0;
        using var server = Start(_ =>
        {
            Interlocked.Increment(ref handled);
            return HttpResponse.NoContent();
        });
        using var client = Connect();

        client.Send("GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n\u0016\u0003garbage"u8);

        string answer = ReadAll(client);
        Assert.Equal(1, Regex.Count(answer, "HTTP/1.1 "));
        Assert.StartsWith("HTTP/1.1 204 No Content\r\n", answer);
        Assert.Equal(1, handled);
    }

    [Fact]
    public void IdleClient_IsDisconnected_AtTheDeadline()
    {
        using var server = Start(_ => HttpResponse.NoContent(), TimeSpan.FromMilliseconds(300));
        using var client = Connect();
        client.ReceiveTimeout = 5000;

        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(0, client.Receive(new byte[16]));
        Assert.InRange(watch.Elapsed.TotalSeconds, 0.2, 4);
    }

    [Fact]
    public async Task TricklingClient_Gets408_AtTheDeadline_NotPerByte()
    {
        using var server = Start(_ => HttpResponse.NoContent(), TimeSpan.FromMilliseconds(500));
        using var client = Connect();
        using var stop = new CancellationTokenSource();
        var trickle = Task.Run(async () =>
        {
            try
            {
                client.Send("GET / HTTP/1.1\r\n"u8);
                while (!stop.IsCancellationRequested)
                {
                    client.Send("X"u8);
                    await Task.Delay(50);
                }
            }
            catch (SocketException)
            {
            }
        });

        string answer = ReadAll(client);
        await stop.CancelAsync();
        await trickle;
        Assert.StartsWith("HTTP/1.1 408 Request Timeout\r\n", answer);
        Assert.Contains("\"error\": \"the request did not arrive within", answer);
    }

    [Fact]
    public void HandlerThatThrows_Gets500WithOneSentence_AndTheServerServesOn()
    {
        var guarded = ErrorResponses.Guard(request => request.Path == "/boom" ? throw new InvalidOperationException("bug") : HttpResponse.NoContent(), NullLogger.Instance);
        using var server = Start(guarded);

        string failed = Exchange("GET /boom HTTP/1.1\r\n\r\n");
        string next = Exchange("GET /fine HTTP/1.1\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 500 ", failed);
        Assert.Contains("the daemon failed to answer this request", failed);
        Assert.StartsWith("HTTP/1.1 204 ", next);
    }

    [Fact]
    public void Head_GetsTheStatusAndLength_WithoutTheBody()
    {
        using var server = Start(_ => HttpResponse.Error(405, "no", "GET"));

        string answer = Exchange("HEAD /x HTTP/1.1\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 405 ", answer);
        Assert.Contains("Allow: GET\r\n", answer);
        Assert.EndsWith("\r\n\r\n", answer);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private HttpServer Start(Func<HttpRequest, HttpResponse> handler, TimeSpan? timeout = null)
    {
        var server = new HttpServer(new HttpServerOptions { RequestTimeout = timeout ?? TimeSpan.FromSeconds(10) }, handler, NullLogger.Instance);
        server.ListenUnix(SocketPath);
        server.Start();
        return server;
    }

    private Socket Connect()
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified) { ReceiveTimeout = 15000 };
        socket.Connect(new UnixDomainSocketEndPoint(SocketPath));
        return socket;
    }

    private string Exchange(string request)
    {
        using var client = Connect();
        client.Send(Encoding.ASCII.GetBytes(request));
        return ReadAll(client);
    }

    private static string ReadAll(Socket socket)
    {
        var received = new MemoryStream();
        var buffer = new byte[65536];
        int n;
        while ((n = socket.Receive(buffer)) > 0)
        {
            received.Write(buffer, 0, n);
        }

        return Encoding.UTF8.GetString(received.ToArray());
    }
}
