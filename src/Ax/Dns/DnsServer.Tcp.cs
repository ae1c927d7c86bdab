using System.Net.Sockets;

namespace Ax.Dns;

internal sealed partial class DnsServer
{
    private void AcceptTcp()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = _tcp.Accept();
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.Interrupted or SocketError.ConnectionAborted or SocketError.TooManyOpenSockets)
            {
                Thread.Sleep(ex.SocketErrorCode == SocketError.TooManyOpenSockets ? 100 : 0);
                continue;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return; // disposed: the daemon is stopping
            }

            if (Interlocked.Increment(ref _tcpConnections) > MaxTcpConnections)
            {
                Interlocked.Decrement(ref _tcpConnections);
                connection.Dispose();
                continue;
            }

            _ = ServeTcpAsync(connection);
        }
    }

    /// <summary>Answers queries on one connection until the client closes it, goes idle or sends something unreadable.</summary>
    private async Task ServeTcpAsync(Socket connection)
    {
        byte[] reply = new byte[DnsResponseWriter.MaxLocalReply];
        try
        {
            using (connection)
            {
                while (!_stopping.IsCancellationRequested)
                {
                    using var idle = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
                    idle.CancelAfter(TcpIdleTimeout);
                    byte[]? message = await DnsTcpFraming.ReadMessageAsync(connection, idle.Token).ConfigureAwait(false);
                    if (message is null)
                    {
                        return;
                    }

                    ReadOnlyMemory<byte> answer;
                    switch (_responder.Decide(message, reply, out int length, out DnsQuery? query))
                    {
                        case DnsDecision.Reply:
                            answer = reply.AsMemory(0, length);
                            break;
                        case DnsDecision.Forward:
                            answer = await _forwarder.ForwardAsync(message, overTcp: true).ConfigureAwait(false)
                                ?? reply.AsMemory(0, DnsResponder.ServerFailure(query!, reply));
                            break;
                        default:
                            return;
                    }

                    await DnsTcpFraming.WriteMessageAsync(connection, answer, idle.Token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The client went away or idled out.
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.QueryFailed(_logger, ex.Message);
        }
        finally
        {
            Interlocked.Decrement(ref _tcpConnections);
        }
    }
}
