using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Ax.Addressing;

namespace Ax.Dns;

/// <summary>
/// Relays a query to the forwarders, in order, each for at most <see cref="DnsOptions.ForwardTimeout"/>.
/// Each try uses a fresh socket (a new random source port) and a new random id, so a stray or forged
/// datagram is not taken for the answer (RFC 5452); the client gets the reply with its own id back.
/// </summary>
internal sealed class DnsForwarder(DnsOptions options, TimeProvider time)
{
    internal const int MaxMessage = 65535;

    /// <summary>The forwarders' reply, with the client's id; null when none answered.</summary>
    internal async Task<byte[]?> ForwardAsync(ReadOnlyMemory<byte> query, bool overTcp)
    {
        ushort clientId = BinaryPrimitives.ReadUInt16BigEndian(query.Span);
        foreach (Ipv4Endpoint forwarder in options.Forwarders)
        {
            byte[] copy = query.ToArray();
            ushort id = (ushort)RandomNumberGenerator.GetInt32(0x10000);
            BinaryPrimitives.WriteUInt16BigEndian(copy, id);
            using var timeout = new CancellationTokenSource(options.ForwardTimeout, time);
            try
            {
                byte[]? reply = overTcp
                    ? await AskOverTcpAsync(forwarder, copy, timeout.Token).ConfigureAwait(false)
                    : await AskOverUdpAsync(forwarder, copy, id, timeout.Token).ConfigureAwait(false);
                if (reply is not null && reply.Length >= DnsHeader.Size && BinaryPrimitives.ReadUInt16BigEndian(reply) == id)
                {
                    BinaryPrimitives.WriteUInt16BigEndian(reply, clientId);
                    return reply;
                }
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException or IOException)
            {
                // Unreachable, refused or silent: the next forwarder gets its turn.
            }
        }

        return null;
    }

    private static async Task<byte[]?> AskOverUdpAsync(Ipv4Endpoint forwarder, byte[] query, ushort id, CancellationToken cancel)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        await socket.ConnectAsync(ToEndPoint(forwarder), cancel).ConfigureAwait(false);
        await socket.SendAsync(query, SocketFlags.None, cancel).ConfigureAwait(false);
        byte[] buffer = new byte[MaxMessage];
        while (true)
        {
            // A connected UDP socket only hears from the forwarder; a reply to an earlier try is skipped.
            int received = await socket.ReceiveAsync(buffer, SocketFlags.None, cancel).ConfigureAwait(false);
            if (received >= DnsHeader.Size && BinaryPrimitives.ReadUInt16BigEndian(buffer) == id && (buffer[2] & 0x80) != 0)
            {
                return buffer[..received];
            }
        }
    }

    private static async Task<byte[]?> AskOverTcpAsync(Ipv4Endpoint forwarder, byte[] query, CancellationToken cancel)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(ToEndPoint(forwarder), cancel).ConfigureAwait(false);
        byte[] framed = new byte[2 + query.Length];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
        query.CopyTo(framed, 2);
        await socket.SendAsync(framed, SocketFlags.None, cancel).ConfigureAwait(false);
        return await DnsTcpFraming.ReadMessageAsync(socket, cancel).ConfigureAwait(false);
    }

    internal static IPEndPoint ToEndPoint(Ipv4Endpoint endpoint) =>
        new(new IPAddress(BinaryPrimitives.ReverseEndianness(endpoint.Address)), endpoint.Port);
}
