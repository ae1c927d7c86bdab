using System.Net;
using System.Net.Sockets;
using Ax.Addressing;
using Microsoft.Extensions.Logging;

namespace Ax.Dns;

/// <summary>
/// The built-in DNS server (seed 003, "--dns"): UDP and TCP on <see cref="DnsOptions.Listen"/> in the
/// node's namespace. Each transport waits on its own named thread; a query the server answers itself
/// is answered on that thread (no I/O but the reply), a forwarded one leaves it as a task, so a slow
/// forwarder never holds up names of ax apps. TCP is there because glibc and dig retry over TCP when a
/// UDP reply comes back truncated (RFC 7766 makes TCP support mandatory).
/// </summary>
internal sealed partial class DnsServer : IDisposable
{
    private const int MaxForwardsInFlight = 256;
    private const int MaxTcpConnections = 64;
    private static readonly TimeSpan TcpIdleTimeout = TimeSpan.FromSeconds(10);

    private readonly DnsOptions _options;
    private readonly DnsResponder _responder;
    private readonly DnsForwarder _forwarder;
    private readonly ILogger _logger;
    private readonly Socket _udp;
    private readonly Socket _tcp;
    private readonly CancellationTokenSource _stopping = new();
    private int _forwardsInFlight;
    private int _tcpConnections;

    private DnsServer(DnsOptions options, IReadOnlyList<INameSource> sources, Socket udp, Socket tcp, TimeProvider time, ILogger logger)
    {
        _options = options;
        _responder = new DnsResponder(options, sources);
        _forwarder = new DnsForwarder(options, time);
        _udp = udp;
        _tcp = tcp;
        _logger = logger;
        Listen = new Ipv4Endpoint(options.Listen.Address, (ushort)((IPEndPoint)udp.LocalEndPoint!).Port);
    }

    internal DnsOptions Options => _options;

    /// <summary>The address the server listens on (UDP and TCP); the port is the one bound when the options asked for 0.</summary>
    internal Ipv4Endpoint Listen { get; }

    /// <summary>
    /// Binds both sockets; on failure gives the reason (EADDRINUSE, EADDRNOTAVAIL, EACCES) and binds nothing. Port 0 means
    /// any free port for both: the kernel picks the UDP one, and when that number is taken for TCP another pick is tried.
    /// </summary>
    internal static SocketError TryStart(DnsOptions options, IReadOnlyList<INameSource> sources, TimeProvider time, ILogger logger, out DnsServer? server)
    {
        server = null;
        int attempts = options.Listen.Port == 0 ? 16 : 1;
        SocketError error = SocketError.Success;
        for (int attempt = 0; attempt < attempts; attempt++)
        {
            error = TryBind(options.Listen, out Socket? udp, out Socket? tcp);
            if (error == SocketError.Success)
            {
                server = new DnsServer(options, sources, udp!, tcp!, time, logger);
                new Thread(server.ServeUdp) { IsBackground = true, Name = "ax-dns-udp" }.Start();
                new Thread(server.AcceptTcp) { IsBackground = true, Name = "ax-dns-tcp" }.Start();
                Log.Listening(logger, server.Listen.ToString(), options.Domain, DnsServerList.Format(options.Forwarders));
                return SocketError.Success;
            }

            if (error != SocketError.AddressAlreadyInUse)
            {
                break;
            }
        }

        return error;
    }

    private static SocketError TryBind(Ipv4Endpoint listen, out Socket? udp, out Socket? tcp)
    {
        udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            udp.Bind(DnsForwarder.ToEndPoint(listen));
            int port = ((IPEndPoint)udp.LocalEndPoint!).Port;
            tcp.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            tcp.Bind(DnsForwarder.ToEndPoint(listen.WithPort((ushort)port)));
            tcp.Listen(64);
            return SocketError.Success;
        }
        catch (SocketException ex)
        {
            udp.Dispose();
            tcp.Dispose();
            udp = null;
            tcp = null;
            return ex.SocketErrorCode;
        }
    }
    private void ServeUdp()
    {
        byte[] buffer = new byte[DnsForwarder.MaxMessage];
        byte[] reply = new byte[DnsResponseWriter.MaxLocalReply];
        EndPoint anyClient = new IPEndPoint(IPAddress.Any, 0);
        while (!_stopping.IsCancellationRequested)
        {
            EndPoint client = anyClient;
            int received;
            try
            {
                received = _udp.ReceiveFrom(buffer, SocketFlags.None, ref client);
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.Interrupted or SocketError.ConnectionReset or SocketError.MessageSize)
            {
                continue;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return; // disposed: the daemon is stopping
            }

            try
            {
                HandleUdp(buffer.AsSpan(0, received), reply, client);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A defect in one answer must not end name service for every app: that query is dropped.
                Log.QueryFailed(_logger, ex.Message);
            }
        }
    }

    private void HandleUdp(ReadOnlySpan<byte> message, byte[] reply, EndPoint client)
    {
        switch (_responder.Decide(message, reply, out int length, out DnsQuery? query))
        {
            case DnsDecision.Reply:
                TrySendUdp(reply.AsSpan(0, length), client);
                break;
            case DnsDecision.Forward:
                if (Interlocked.Increment(ref _forwardsInFlight) > MaxForwardsInFlight)
                {
                    Interlocked.Decrement(ref _forwardsInFlight);
                    break; // shed load; the client retries
                }

                _ = ForwardUdpAsync(message.ToArray(), query!, client);
                break;
        }
    }

    private async Task ForwardUdpAsync(byte[] message, DnsQuery query, EndPoint client)
    {
        try
        {
            byte[]? answer = await _forwarder.ForwardAsync(message, overTcp: false).ConfigureAwait(false);
            if (answer is null)
            {
                Log.ForwardFailed(_logger, query.Name, DnsServerList.Format(_options.Forwarders));
                byte[] failure = new byte[DnsResponseWriter.MaxLocalReply];
                TrySendUdp(failure.AsSpan(0, DnsResponder.ServerFailure(query, failure)), client);
                return;
            }

            TrySendUdp(answer, client);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.QueryFailed(_logger, ex.Message);
        }
        finally
        {
            Interlocked.Decrement(ref _forwardsInFlight);
        }
    }

    private void TrySendUdp(ReadOnlySpan<byte> reply, EndPoint client)
    {
        try
        {
            _udp.SendTo(reply, SocketFlags.None, client);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The client is gone, or the daemon is stopping: nothing to tell anyone.
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _udp.Dispose();
        _tcp.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 500, Level = LogLevel.Information, Message = "DNS server on {Listen} (UDP and TCP) for the domain {Domain}; other names go to {Forwarders}")]
        internal static partial void Listening(ILogger logger, string listen, string domain, string forwarders);

        [LoggerMessage(EventId = 501, Level = LogLevel.Debug, Message = "DNS: no forwarder ({Forwarders}) answered for {Name}; the client gets SERVFAIL")]
        internal static partial void ForwardFailed(ILogger logger, string name, string forwarders);

        [LoggerMessage(EventId = 502, Level = LogLevel.Warning, Message = "DNS: a query was dropped: {Reason}")]
        internal static partial void QueryFailed(ILogger logger, string reason);
    }
}
