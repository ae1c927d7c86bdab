using System.Buffers;
using System.Net;
using System.Net.Sockets;
using MessagePack;

namespace Ax.Tests.Cluster.Serf;

/// <summary>
/// The agent's side of Serf's RPC on loopback, scripted by a test: it reads requests (header, then the body
/// the command has) and writes whatever bytes the test gives it, well-formed or not.
/// </summary>
internal sealed class FakeSerfAgent : IAsyncDisposable
{
    // Commands whose request has no body (ipc.go: handleMembers, handleLeave decode nothing).
    private static readonly HashSet<string> Bodiless = ["members", "leave"];
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private Socket? _connection;
    private byte[] _buffer = new byte[64 << 10];
    private int _end;

    internal FakeSerfAgent() => _listener.Start();

    internal IPEndPoint Address => (IPEndPoint)_listener.LocalEndpoint;

    internal async Task AcceptAsync() => _connection = await _listener.AcceptSocketAsync();

    /// <summary>Accepts the client and answers its handshake, checking it asks for IPC version 1.</summary>
    internal async Task AcceptWithHandshakeAsync()
    {
        await AcceptAsync();
        var request = await NextRequestAsync();
        Assert.Equal("handshake", request.Command);
        Assert.Equal(1L, Convert.ToInt64(request.Body!["Version"], System.Globalization.CultureInfo.InvariantCulture));
        await SendAsync(Header(request.Seq));
    }

    /// <summary>The next request: its command, sequence number and body (decoded generically), if any.</summary>
    internal async Task<FakeRequest> NextRequestAsync()
    {
        var header = (Dictionary<string, object?>)(await NextObjectAsync())!;
        string command = (string)header["Command"]!;
        ulong seq = Convert.ToUInt64(header["Seq"], System.Globalization.CultureInfo.InvariantCulture);
        var body = Bodiless.Contains(command) ? null : (Dictionary<string, object?>?)await NextObjectAsync();
        return new FakeRequest(command, seq, body);
    }

    internal async Task SendAsync(params byte[][] parts)
    {
        foreach (byte[] part in parts)
        {
            await _connection!.SendAsync(part);
        }
    }

    internal void Close() => _connection?.Shutdown(SocketShutdown.Both);

    /// <summary>A response header as the agent writes it (its encoder sorts the keys: Error, then Seq).</summary>
    internal static byte[] Header(ulong seq, string error = "") => Encode((ref MessagePackWriter w) =>
    {
        w.WriteMapHeader(2);
        w.Write("Error");
        w.Write(error);
        w.Write("Seq");
        w.Write(seq);
    });

    internal static byte[] Encode(WriteAction write)
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(output);
        write(ref writer);
        writer.Flush();
        return output.WrittenSpan.ToArray();
    }

    /// <summary>A member as ipc.go's Member struct encodes it, Protocol* and Delegate* fields included.</summary>
    internal static void WriteMember(ref MessagePackWriter w, string name, byte[] addr, int port, string status, IReadOnlyDictionary<string, string> tags)
    {
        w.WriteMapHeader(11);
        w.Write("Name");
        w.Write(name);
        w.Write("Addr");
        w.Write(addr);
        w.Write("Port");
        w.Write((ushort)port);
        w.Write("Tags");
        w.WriteMapHeader(tags.Count);
        foreach (var pair in tags)
        {
            w.Write(pair.Key);
            w.Write(pair.Value);
        }

        w.Write("Status");
        w.Write(status);
        foreach (string field in (string[])["ProtocolMin", "ProtocolMax", "ProtocolCur", "DelegateMin", "DelegateMax", "DelegateCur"])
        {
            w.Write(field);
            w.Write((byte)2);
        }
    }

    private async Task<object?> NextObjectAsync()
    {
        while (true)
        {
            var reader = new MessagePackReader(new ReadOnlyMemory<byte>(_buffer, 0, _end));
            try
            {
                object? value = Read(ref reader);
                int used = (int)reader.Consumed;
                Buffer.BlockCopy(_buffer, used, _buffer, 0, _end - used);
                _end -= used;
                return value;
            }
            catch (EndOfStreamException)
            {
                int n = await _connection!.ReceiveAsync(_buffer.AsMemory(_end));
                if (n == 0)
                {
                    throw new EndOfStreamException("the client closed the connection");
                }

                _end += n;
            }
        }
    }

    private static object? Read(ref MessagePackReader reader)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Nil:
                reader.ReadNil();
                return null;
            case MessagePackType.Boolean:
                return reader.ReadBoolean();
            case MessagePackType.Integer:
                return reader.ReadInt64();
            case MessagePackType.String:
                return reader.ReadString();
            case MessagePackType.Binary:
                return reader.ReadBytes()!.Value.ToArray();
            case MessagePackType.Array:
                int length = reader.ReadArrayHeader();
                var list = new List<object?>();
                for (int i = 0; i < length; i++)
                {
                    list.Add(Read(ref reader));
                }

                return list;
            case MessagePackType.Map:
                int count = reader.ReadMapHeader();
                var map = new Dictionary<string, object?>();
                for (int i = 0; i < count; i++)
                {
                    string key = reader.ReadString()!;
                    map[key] = Read(ref reader);
                }

                return map;
            default:
                throw new InvalidDataException($"unexpected {reader.NextMessagePackType}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        _connection?.Dispose();
        _listener.Stop();
        await Task.CompletedTask;
    }
}

internal delegate void WriteAction(ref MessagePackWriter writer);

internal sealed record FakeRequest(string Command, ulong Seq, Dictionary<string, object?>? Body);
