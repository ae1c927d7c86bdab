using System.Buffers;
using System.Net.Sockets;
using System.Text;

namespace Ax.Api.Http;

/// <summary>
/// Serves one request on one accepted connection, then closes it (<c>Connection: close</c>; the CLI opens
/// a connection per call, so keep-alive would buy nothing). The request must arrive whole within
/// <see cref="HttpServerOptions.RequestTimeout"/>, and the answer must be taken within the same time again.
/// </summary>
internal sealed class HttpConnection(Socket socket, HttpServerOptions options, Func<HttpRequest, HttpResponse> handler)
{
    /// <summary>How long, and how much, unread request bytes are drained after answering (see <see cref="LingerAsync"/>).</summary>
    private static readonly TimeSpan LingerTime = TimeSpan.FromSeconds(2);
    private const int LingerBytes = 2 * 1024 * 1024;
    private const int FirstBodyBuffer = 64 * 1024;

    internal async Task ServeAsync()
    {
        (HttpResponse? response, bool isHead) = await ReadAndHandleAsync();
        if (response is null)
        {
            return;
        }

        using (var deadline = Deadline(options.RequestTimeout))
        {
            try
            {
                await socket.SendAsync(Encode(response, isHead), SocketFlags.None, deadline.Token);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                return;
            }
        }

        await LingerAsync();
    }

    private async Task<(HttpResponse? Response, bool IsHead)> ReadAndHandleAsync()
    {
        using var deadline = Deadline(options.RequestTimeout);
        byte[] head = ArrayPool<byte>.Shared.Rent(options.MaxHeadBytes);
        byte[]? body = null;
        try
        {
            int filled = 0;
            HttpParseResult parsed;
            while ((parsed = HttpRequestParser.Parse(head.AsSpan(0, filled), options.MaxHeadBytes, options.MaxBodyBytes)).Outcome == HttpParseOutcome.Incomplete)
            {
                int received = await ReceiveAsync(head.AsMemory(filled, options.MaxHeadBytes - filled), deadline.Token);
                if (received <= 0)
                {
                    return (received == 0 || filled == 0 ? null : TimedOut(), false);
                }

                filled += received;
            }

            if (parsed.Outcome == HttpParseOutcome.Invalid)
            {
                return (HttpResponse.Error(parsed.Status, parsed.Error!), false);
            }

            HttpRequestHead request = parsed.Head!;
            int length = (int)request.ContentLength;
            int got = Math.Min(filled - parsed.HeadLength, length);
            body = ArrayPool<byte>.Shared.Rent(Math.Max(1, Math.Min(length, Math.Max(FirstBodyBuffer, got))));
            head.AsSpan(parsed.HeadLength, got).CopyTo(body);
            while (got < length)
            {
                if (got == body.Length)
                {
                    // Grow only as the body arrives: a Content-Length alone must not make the daemon allocate it.
                    byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Min(length, body.Length * 2));
                    body.AsSpan(0, got).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(body);
                    body = larger;
                }

                int received = await ReceiveAsync(body.AsMemory(got, Math.Min(length, body.Length) - got), deadline.Token);
                if (received <= 0)
                {
                    return (received == 0 ? null : TimedOut(), false);
                }

                got += received;
            }

            return (handler(new HttpRequest(request.Method, request.Path, body.AsMemory(0, length), request.Query)), request.Method == "HEAD");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(head);
            if (body is not null)
            {
                ArrayPool<byte>.Shared.Return(body);
            }
        }
    }

    private HttpResponse TimedOut() =>
        HttpResponse.Error(408, $"the request did not arrive within {options.RequestTimeout.TotalSeconds:0} seconds");

    /// <summary>Bytes received; 0 when the client closed; -1 when the deadline passed or the connection broke.</summary>
    private async ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            return await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return -1;
        }
        catch (SocketException)
        {
            return 0;
        }
    }

    /// <summary>
    /// Closing a TCP socket with unread bytes sends RST, and a peer that gets RST may lose the answer it
    /// has not read yet (RFC 9112 section 9.6). So: end our side, then read and drop what the client still
    /// sends (an over-long body, say) until it closes, for a bounded time and amount.
    /// </summary>
    private async Task LingerAsync()
    {
        byte[] sink = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            socket.Shutdown(SocketShutdown.Send);
            using var deadline = Deadline(LingerTime);
            for (int drained = 0; drained < LingerBytes;)
            {
                int received = await ReceiveAsync(sink, deadline.Token);
                if (received <= 0)
                {
                    break;
                }

                drained += received;
            }
        }
        catch (SocketException)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(sink);
        }
    }

    private CancellationTokenSource Deadline(TimeSpan timeout) => new(timeout, options.TimeProvider);

    private static byte[] Encode(HttpResponse response, bool isHead)
    {
        var head = new StringBuilder(160)
            .Append("HTTP/1.1 ").Append(response.Status).Append(' ').Append(HttpStatus.Reason(response.Status)).Append("\r\n");
        if (response.ContentType is not null)
        {
            head.Append("Content-Type: ").Append(response.ContentType).Append("\r\n");
        }

        if (response.Allow is not null)
        {
            head.Append("Allow: ").Append(response.Allow).Append("\r\n");
        }

        if (response.Status != 204)
        {
            head.Append("Content-Length: ").Append(response.Body.Length).Append("\r\n");
        }

        string text = head.Append("Connection: close\r\n\r\n").ToString();
        int headLength = Encoding.ASCII.GetByteCount(text);
        byte[] bytes = new byte[headLength + (isHead ? 0 : response.Body.Length)];
        Encoding.ASCII.GetBytes(text, bytes);
        if (!isHead)
        {
            response.Body.CopyTo(bytes, headLength);
        }

        return bytes;
    }
}
