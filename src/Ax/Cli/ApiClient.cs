using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Ax.Contracts;

namespace Ax.Cli;

/// <summary>
/// The CLI's client of the daemon's REST API, over run-dir/api.sock (works from any network namespace).
/// One HTTP/1.1 request per connection, written and read by hand: the CLI needs no more, and an HTTP
/// client library would cost every start of the binary its static state.
/// </summary>
internal sealed class ApiClient(string runDir)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Answers larger than this are refused rather than read into memory.</summary>
    private const int MaxAnswerBytes = 256 * 1024 * 1024;

    internal async Task<T> GetAsync<T>(string resource, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        byte[] body = await SendAsync("GET", resource, null, cancellationToken);
        return Deserialize(body, typeInfo);
    }

    /// <summary>POSTs <paramref name="value"/> as JSON to /api/v1/<paramref name="resource"/> and reads the answer.</summary>
    internal async Task<TReply> PostAsync<TRequest, TReply>(string resource, TRequest value, JsonTypeInfo<TRequest> requestType, JsonTypeInfo<TReply> replyType, CancellationToken cancellationToken)
    {
        byte[] body = await SendAsync("POST", resource, JsonSerializer.SerializeToUtf8Bytes(value, requestType), cancellationToken);
        return Deserialize(body, replyType);
    }

    internal async Task DeleteAsync(string resource, CancellationToken cancellationToken) =>
        await SendAsync("DELETE", resource, null, cancellationToken);

    /// <summary>Sends one request; any answer but 2xx becomes a <see cref="CliException"/> with the daemon's sentence.</summary>
    private async Task<byte[]> SendAsync(string method, string resource, byte[]? body, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(RunDirectory.ApiSocket(runDir)), timeout.Token);
        }
        catch (SocketException)
        {
            throw new CliException(RunDirectory.NotRunning(runDir));
        }

        ApiAnswer answer;
        try
        {
            await socket.SendAsync(Request(method, resource, body), SocketFlags.None, timeout.Token);
            answer = await ReadAnswerAsync(socket, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException($"the ax daemon did not answer within {Timeout.TotalSeconds:0} seconds; its log may say why");
        }
        catch (SocketException ex)
        {
            throw new CliException($"the connection to the ax daemon broke ({ex.SocketErrorCode}); check that it is still running");
        }

        if (answer.Status is < 200 or > 299)
        {
            throw new CliException(TryReadError(answer.Body) ?? $"the daemon answered {answer.Status} {answer.Reason}");
        }

        return answer.Body;
    }

    private static byte[] Request(string method, string resource, byte[]? body)
    {
        var head = new StringBuilder()
            .Append(method).Append(" /api/v1/").Append(resource).Append(" HTTP/1.1\r\n")
            .Append("Host: ax\r\nConnection: close\r\n");
        if (body is not null)
        {
            head.Append("Content-Type: application/json\r\nContent-Length: ").Append(body.Length).Append("\r\n");
        }

        byte[] headBytes = Encoding.ASCII.GetBytes(head.Append("\r\n").ToString());
        return body is null ? headBytes : [.. headBytes, .. body];
    }

    /// <summary>Reads until the daemon closes (it always does: <c>Connection: close</c>) or Content-Length bytes of body have come.</summary>
    private static async Task<ApiAnswer> ReadAnswerAsync(Socket socket, CancellationToken cancellationToken)
    {
        var received = new MemoryStream();
        byte[] buffer = new byte[64 * 1024];
        ApiAnswer? answer = null;
        while (true)
        {
            int n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (n > 0)
            {
                received.Write(buffer, 0, n);
            }

            if (received.Length > MaxAnswerBytes)
            {
                throw new CliException("the ax daemon's answer is too large to read");
            }

            answer ??= ApiAnswer.TryParseHead(received.GetBuffer().AsSpan(0, (int)received.Length));
            if (answer is not null && (n == 0 || (answer.ContentLength is long length && received.Length - answer.HeadLength >= length)))
            {
                int bodyLength = (int)(received.Length - answer.HeadLength);
                if (answer.ContentLength is long declared)
                {
                    bodyLength = (int)Math.Min(bodyLength, declared);
                }

                answer.Body = received.GetBuffer().AsSpan(answer.HeadLength, bodyLength).ToArray();
                return answer;
            }

            if (n == 0)
            {
                throw new CliException("the ax daemon closed the connection without an answer; its log may say why");
            }
        }
    }

    private static T Deserialize<T>(byte[] body, JsonTypeInfo<T> typeInfo)
    {
        try
        {
            return JsonSerializer.Deserialize(body, typeInfo) ?? throw new CliException("the daemon sent an empty answer");
        }
        catch (JsonException)
        {
            throw new CliException("the daemon's answer is not the JSON this ax expects; are the daemon and the CLI the same version?");
        }
    }

    private static string? TryReadError(byte[] body)
    {
        try
        {
            return body.Length == 0 ? null : JsonSerializer.Deserialize(body, AxJsonContext.Default.ErrorInfo)?.Error;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
