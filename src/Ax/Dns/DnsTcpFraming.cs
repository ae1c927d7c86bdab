using System.Buffers.Binary;
using System.Net.Sockets;

namespace Ax.Dns;

/// <summary>DNS over TCP frames each message with a two-byte length (RFC 1035 section 4.2.2, RFC 7766).</summary>
internal static class DnsTcpFraming
{
    /// <summary>One message, or null when the peer closed cleanly before one began or sent a zero length.</summary>
    internal static async Task<byte[]?> ReadMessageAsync(Socket socket, CancellationToken cancel)
    {
        byte[] prefix = new byte[2];
        if (!await ReadExactlyAsync(socket, prefix, cancel).ConfigureAwait(false))
        {
            return null;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(prefix);
        if (length == 0)
        {
            return null;
        }

        byte[] message = new byte[length];
        return await ReadExactlyAsync(socket, message, cancel).ConfigureAwait(false) ? message : null;
    }

    internal static async Task WriteMessageAsync(Socket socket, ReadOnlyMemory<byte> message, CancellationToken cancel)
    {
        byte[] framed = new byte[2 + message.Length];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)message.Length);
        message.CopyTo(framed.AsMemory(2));
        int sent = 0;
        while (sent < framed.Length)
        {
            sent += await socket.SendAsync(framed.AsMemory(sent), SocketFlags.None, cancel).ConfigureAwait(false);
        }
    }

    private static async Task<bool> ReadExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancel)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n = await socket.ReceiveAsync(buffer[read..], SocketFlags.None, cancel).ConfigureAwait(false);
            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }
}
