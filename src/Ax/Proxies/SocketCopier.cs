using System.Buffers;
using System.Net.Sockets;

namespace Ax.Proxies;

/// <summary>
/// Copies one direction of a proxied TCP connection, in the manner of YARP's StreamCopier: wait with a
/// zero-byte read so an idle connection holds no buffer, rent one only when data is there, and return
/// it in <c>finally</c>. End of stream becomes a write shutdown, so half-closed protocols keep working.
/// </summary>
internal static class SocketCopier
{
    private const int BufferSize = 64 * 1024;

    internal static async Task<CopyResult> CopyAsync(Socket source, Socket destination, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                await source.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                return CopyResult.SourceError;
            }

            byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            try
            {
                int read;
                try
                {
                    read = await source.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, cancellationToken);
                }
                catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
                {
                    return CopyResult.SourceError;
                }

                try
                {
                    if (read == 0)
                    {
                        destination.Shutdown(SocketShutdown.Send);
                        return CopyResult.Completed;
                    }

                    int sent = 0;
                    while (sent < read)
                    {
                        sent += await destination.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None, cancellationToken);
                    }
                }
                catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
                {
                    return CopyResult.DestinationError;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
