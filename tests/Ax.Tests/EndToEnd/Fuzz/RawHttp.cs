using System.Net.Sockets;
using System.Text;

namespace Ax.Tests.EndToEnd.Fuzz;

/// <summary>
/// Sends one request byte for byte over the daemon's API socket (no HTTP client to tidy it up) and reads
/// the answer to the end; the connection is closed after each request.
/// </summary>
internal static class RawHttp
{
    internal sealed record Answer(int Status, string Head, string Body);

    internal static Answer Send(string socketPath, HttpCase request) => Send(socketPath, Encode(request));

    internal static Answer Send(string socketPath, byte[] bytes)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.ReceiveTimeout = 15000;
        socket.SendTimeout = 15000;
        socket.Connect(new UnixDomainSocketEndPoint(socketPath));

        // The daemon may answer (404, 413) before reading a big body and close: write in the background
        // and read what comes back; a refused write is no failure.
        var writer = Task.Run(() =>
        {
            try
            {
                socket.Send(bytes);
            }
            catch (SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
        });

        var received = new MemoryStream();
        var buffer = new byte[65536];
        try
        {
            int n;
            while ((n = socket.Receive(buffer)) > 0)
            {
                received.Write(buffer, 0, n);
            }
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset && received.Length > 0)
        {
        }

        writer.Wait(TimeSpan.FromSeconds(15));
        byte[] all = received.ToArray();
        int split = all.AsSpan().IndexOf("\r\n\r\n"u8);
        string head = Encoding.UTF8.GetString(split < 0 ? all : all[..split]);
        byte[] body = split < 0 ? [] : all[(split + 4)..];
        string[] statusLine = head.Split("\r\n")[0].Split(' ');
        int status = statusLine.Length >= 2 && statusLine[0].StartsWith("HTTP/1.", StringComparison.Ordinal) && int.TryParse(statusLine[1], out int s) ? s : -1;
        return new Answer(status, head, Encoding.UTF8.GetString(Dechunk(head, body)));
    }

    internal static byte[] Encode(HttpCase request)
    {
        var head = new StringBuilder();
        head.Append(request.Method).Append(' ').Append(request.Target).Append(" HTTP/1.1\r\nHost: ax\r\nConnection: close\r\n");
        if (request.ContentType is not null)
        {
            head.Append("Content-Type: ").Append(request.ContentType).Append("\r\n");
        }

        bool chunked = request.Headers?.Any(h => h.StartsWith("Transfer-Encoding:", StringComparison.OrdinalIgnoreCase)) == true;
        if (request.Body.Length > 0 && !chunked)
        {
            head.Append("Content-Length: ").Append(request.Body.Length).Append("\r\n");
        }

        foreach (string line in request.Headers ?? [])
        {
            head.Append(line).Append("\r\n");
        }

        head.Append("\r\n");
        return [.. Encoding.UTF8.GetBytes(head.ToString()), .. request.Body];
    }

    private static byte[] Dechunk(string head, byte[] body)
    {
        if (!head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            return body;
        }

        var result = new MemoryStream();
        int at = 0;
        while (at < body.Length)
        {
            int end = body.AsSpan(at).IndexOf("\r\n"u8);
            if (end < 0 || !int.TryParse(Encoding.ASCII.GetString(body, at, end), System.Globalization.NumberStyles.HexNumber, null, out int size) || size == 0)
            {
                break;
            }

            int start = at + end + 2;
            result.Write(body, start, Math.Min(size, body.Length - start));
            at = start + size + 2;
        }

        return result.ToArray();
    }
}
