using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Ax.Api.Http;

/// <summary>
/// A small HTTP/1.1 server for the REST API: one request per connection, handled by a synchronous
/// handler (the API's answers are snapshots of in-memory tables). Async sockets throughout, so an idle
/// client costs a pending receive, not a thread; at most <see cref="HttpServerOptions.MaxConnections"/>
/// are served at once, and each gets <see cref="HttpServerOptions.RequestTimeout"/> to send its request.
/// </summary>
internal sealed partial class HttpServer(HttpServerOptions options, Func<HttpRequest, HttpResponse> handler, ILogger logger) : IDisposable
{
    private const int Backlog = 512;
    private readonly List<Socket> _listeners = [];
    private readonly SemaphoreSlim _slots = new(options.MaxConnections, options.MaxConnections);
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Listens on a unix stream socket at <paramref name="path"/>, which must not exist.</summary>
    internal void ListenUnix(string path) =>
        Listen(new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified), new UnixDomainSocketEndPoint(path));

    /// <summary>Listens on TCP; throws <see cref="SocketException"/> (AddressAlreadyInUse) when the port is taken.</summary>
    internal void ListenTcp(IPEndPoint endPoint)
    {
        // SO_REUSEADDR as servers do: a restarted daemon may bind while old connections sit in TIME_WAIT;
        // on Linux it still refuses a port that another socket listens on.
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        Listen(socket, endPoint);
    }

    internal void Start()
    {
        foreach (Socket listener in _listeners)
        {
            _ = AcceptLoopAsync(listener);
        }
    }

    private void Listen(Socket socket, EndPoint endPoint)
    {
        try
        {
            socket.Bind(endPoint);
            socket.Listen(Backlog);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        _listeners.Add(socket);
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        CancellationToken stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                // Past the cap, connections wait in the listen backlog until a slot frees (at worst one
                // request timeout later).
                await _slots.WaitAsync(stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                client = await listener.AcceptAsync(stopping);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                _slots.Release();
                return;
            }
            catch (SocketException ex)
            {
                // EMFILE and the like: the listener is fine, the moment is not. Back off briefly.
                _slots.Release();
                Log.AcceptFailed(logger, ex.SocketErrorCode.ToString());
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(100), options.TimeProvider, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        try
        {
            await new HttpConnection(client, options, handler).ServeAsync();
        }
        catch (Exception ex)
        {
            Log.ConnectionFailed(logger, ex);
        }
        finally
        {
            client.Dispose();
            _slots.Release();
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        foreach (Socket listener in _listeners)
        {
            listener.Dispose();
        }

        _stopping.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 310, Level = LogLevel.Warning, Message = "REST listener could not accept a connection ({Error})")]
        internal static partial void AcceptFailed(ILogger logger, string error);

        [LoggerMessage(EventId = 311, Level = LogLevel.Error, Message = "REST connection failed")]
        internal static partial void ConnectionFailed(ILogger logger, Exception exception);
    }
}
