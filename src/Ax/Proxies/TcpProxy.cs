using System.Net;
using System.Net.Sockets;
using Ax.Addressing;
using Ax.Contracts;
using Ax.Policy;
using Ax.Routing;
using Microsoft.Extensions.Logging;

namespace Ax.Proxies;

/// <summary>
/// A TCP proxy in the node's namespace: accepts on <see cref="Listener"/>, asks <c>pickTarget</c> where
/// each connection goes, dials it (from the source address, if one is set) and copies both ways until
/// both sides are done. Lets clients that do not run under ax reach what ax routes (--external).
/// </summary>
internal sealed partial class TcpProxy : IDisposable
{
    private readonly Socket _listener;
    private readonly Func<RouteDecision> _pickTarget;
    private readonly uint _sourceIp;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();

    private TcpProxy(int id, Socket listener, Ipv4Endpoint listenerAddr, Func<RouteDecision> pickTarget, uint sourceIp, string owner, ILogger logger)
    {
        Id = id;
        _listener = listener;
        Listener = listenerAddr;
        _pickTarget = pickTarget;
        _sourceIp = sourceIp;
        Owner = owner;
        _logger = logger;
    }

    internal int Id { get; }

    internal Ipv4Endpoint Listener { get; }

    internal string Owner { get; }

    /// <summary>Binds and listens on <paramref name="listenerAddr"/>; returns null and a sentence when the port is taken.</summary>
    internal static TcpProxy? TryStart(int id, Ipv4Endpoint listenerAddr, Func<RouteDecision> pickTarget, uint sourceIp, string owner, ILogger logger, out string? problem)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(ToEndPoint(listenerAddr));
            socket.Listen(512);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            problem = ex.SocketErrorCode == SocketError.AddressAlreadyInUse
                ? $"port {listenerAddr.Port} on the node ({listenerAddr}) is already in use; choose another virtual port for an external vservice or free that port"
                : $"cannot listen on {listenerAddr} for {owner} ({ex.SocketErrorCode})";
            return null;
        }

        problem = null;
        var proxy = new TcpProxy(id, socket, listenerAddr, pickTarget, sourceIp, owner, logger);
        _ = Task.Run(proxy.AcceptLoopAsync);
        return proxy;
    }

    internal ProxyInfo ToInfo() =>
        new(Id, "tcp", Listener.ToString(), [new Ipv4Endpoint(_sourceIp, 0).ToString()], Owner);

    private async Task AcceptLoopAsync()
    {
        CancellationToken stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(stopping);
            }
            catch (SocketException ex) when (!stopping.IsCancellationRequested)
            {
                // EMFILE, ECONNABORTED...: one failed accept must not stop the proxy.
                Log.AcceptFailed(_logger, Id, ex.SocketErrorCode.ToString());
                await Task.Delay(10, CancellationToken.None);
                continue;
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client, stopping));
        }
    }

    private async Task ServeAsync(Socket client, CancellationToken stopping)
    {
        using (client)
        {
            RouteDecision route = _pickTarget();
            if (route.IsRefused)
            {
                Log.NoBackend(_logger, Id, Owner);
                return;
            }

            using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                if (_sourceIp != 0)
                {
                    upstream.Bind(ToEndPoint(new Ipv4Endpoint(_sourceIp, 0)));
                }

                await upstream.ConnectAsync(ToEndPoint(route.Target), stopping);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                Log.DialFailed(_logger, Id, route.Target.ToString(), (ex as SocketException)?.SocketErrorCode.ToString() ?? "cancelled");
                return;
            }

            client.NoDelay = true;
            upstream.NoDelay = true;
            Task<CopyResult> toUpstream = SocketCopier.CopyAsync(client, upstream, stopping);
            Task<CopyResult> toClient = SocketCopier.CopyAsync(upstream, client, stopping);

            // A clean end of one direction (a write shutdown) leaves the other running: half-closed TCP
            // is legal. A reset or error ends both, with a reset to each side, as if the two peers had
            // been connected directly; otherwise a client whose server reset would wait forever.
            Task<CopyResult> first = await Task.WhenAny(toUpstream, toClient);
            if (await first != CopyResult.Completed)
            {
                Abort(client);
                Abort(upstream);
            }

            await Task.WhenAll(toUpstream, toClient);
        }
    }

    private static void Abort(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // already gone: disposing is all that is left to do
        }

        socket.Dispose();
    }

    private static IPEndPoint ToEndPoint(Ipv4Endpoint endpoint) => new(Ipv4Endpoint.ToIPAddress(endpoint.Address), endpoint.Port);

    public void Dispose()
    {
        _stopping.Cancel();
        // The token source is not disposed: connections still being served read its token.
        _listener.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "proxy {ProxyId}: accept failed ({Error})")]
        internal static partial void AcceptFailed(ILogger logger, int proxyId, string error);

        [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "proxy {ProxyId} ({Owner}): no backend may take this connection; closing it")]
        internal static partial void NoBackend(ILogger logger, int proxyId, string owner);

        [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "proxy {ProxyId}: cannot reach {Target} ({Error}); closing the client's connection")]
        internal static partial void DialFailed(ILogger logger, int proxyId, string target, string error);
    }
}
