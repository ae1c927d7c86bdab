using System.Buffers;
using System.Net;
using System.Text;
using MessagePack;

namespace Ax.Cluster.Serf;

/// <summary>
/// Decodes what a Serf agent sends (command/agent/ipc.go and ipc_event_stream.go): maps keyed by the Go
/// struct fields' names. Unknown keys are skipped, so a newer agent's extra fields do no harm. Byte slices
/// are read from bin or, as older msgpack encoders wrote them, from str; strings likewise from either.
/// Anything else throws <see cref="MessagePackSerializationException"/>, which the client turns into one
/// "malformed frame" error.
/// </summary>
internal static class SerfWireReader
{
    internal static SerfResponseHeader Header(ref MessagePackReader reader)
    {
        ulong seq = 0;
        string error = string.Empty;
        int count = reader.ReadMapHeader();
        for (int i = 0; i < count; i++)
        {
            switch (Text(ref reader))
            {
                case "Seq":
                    seq = reader.ReadUInt64();
                    break;
                case "Error":
                    error = Text(ref reader);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        return new SerfResponseHeader(seq, error);
    }

    /// <summary>The body of a <c>members</c> answer: <c>{Members: [Member...]}</c>.</summary>
    internal static IReadOnlyList<SerfMember> Members(ref MessagePackReader reader)
    {
        IReadOnlyList<SerfMember> members = [];
        int count = reader.ReadMapHeader();
        for (int i = 0; i < count; i++)
        {
            if (Text(ref reader) == "Members")
            {
                members = MemberList(ref reader);
            }
            else
            {
                reader.Skip();
            }
        }

        return members;
    }

    /// <summary>The body of a <c>join</c> answer: <c>{Num}</c>, how many nodes were contacted.</summary>
    internal static int JoinCount(ref MessagePackReader reader)
    {
        int num = 0;
        int count = reader.ReadMapHeader();
        for (int i = 0; i < count; i++)
        {
            if (Text(ref reader) == "Num")
            {
                num = reader.ReadInt32();
            }
            else
            {
                reader.Skip();
            }
        }

        return num;
    }

    /// <summary>
    /// One record of a <c>stream</c>: memberEventRecord <c>{Event, Members}</c>, userEventRecord
    /// <c>{Event: "user", LTime, Name, Payload, Coalesce}</c> or queryEventRecord <c>{Event: "query", ID, ...}</c>.
    /// Null for a kind this client does not know (a newer agent's), which the caller drops.
    /// </summary>
    internal static SerfEvent? StreamRecord(ref MessagePackReader reader)
    {
        string kind = string.Empty;
        string name = string.Empty;
        IReadOnlyList<SerfMember> members = [];
        ReadOnlyMemory<byte> payload = ReadOnlyMemory<byte>.Empty;
        ulong lamportTime = 0;
        ulong id = 0;
        bool coalesce = false;
        int count = reader.ReadMapHeader();
        for (int i = 0; i < count; i++)
        {
            switch (Text(ref reader))
            {
                case "Event":
                    kind = Text(ref reader);
                    break;
                case "Members":
                    members = MemberList(ref reader);
                    break;
                case "Name":
                    name = Text(ref reader);
                    break;
                case "Payload":
                    payload = Bytes(ref reader);
                    break;
                case "LTime":
                    lamportTime = reader.ReadUInt64();
                    break;
                case "ID":
                    id = reader.ReadUInt64();
                    break;
                case "Coalesce":
                    coalesce = reader.ReadBoolean();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        return kind switch
        {
            "user" => new SerfUserEvent(name, payload, lamportTime, coalesce),
            "query" => new SerfQueryEvent(id, name, payload, lamportTime),
            _ when kind.StartsWith("member-", StringComparison.Ordinal) => new SerfMemberEvent(kind, members),
            _ => null,
        };
    }

    /// <summary>One record of a query's answer stream: <c>{Type: "ack"|"response"|"done", From, Payload}</c>.</summary>
    internal static (string Type, SerfQueryResponse Response) QueryRecord(ref MessagePackReader reader)
    {
        string type = string.Empty;
        string from = string.Empty;
        ReadOnlyMemory<byte> payload = ReadOnlyMemory<byte>.Empty;
        int count = reader.ReadMapHeader();
        for (int i = 0; i < count; i++)
        {
            switch (Text(ref reader))
            {
                case "Type":
                    type = Text(ref reader);
                    break;
                case "From":
                    from = Text(ref reader);
                    break;
                case "Payload":
                    payload = Bytes(ref reader);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        return (type, new SerfQueryResponse(type == "ack", from, payload));
    }

    private static IReadOnlyList<SerfMember> MemberList(ref MessagePackReader reader)
    {
        if (reader.TryReadNil())
        {
            return [];
        }

        int count = reader.ReadArrayHeader();
        var members = new SerfMember[count];
        for (int i = 0; i < count; i++)
        {
            members[i] = Member(ref reader);
        }

        return members;
    }

    private static SerfMember Member(ref MessagePackReader reader)
    {
        string name = string.Empty;
        IPAddress address = IPAddress.None;
        int port = 0;
        string status = string.Empty;
        IReadOnlyDictionary<string, string> tags = new Dictionary<string, string>();
        int count = reader.ReadMapHeader();
        for (int i = 0; i < count; i++)
        {
            switch (Text(ref reader))
            {
                case "Name":
                    name = Text(ref reader);
                    break;
                case "Addr":
                    address = Address(Bytes(ref reader).Span);
                    break;
                case "Port":
                    port = reader.ReadUInt16();
                    break;
                case "Tags":
                    tags = StringMap(ref reader);
                    break;
                case "Status":
                    status = Text(ref reader);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        return new SerfMember(name, address, port, tags, SerfMember.ParseStatus(status), status);
    }

    /// <summary>A Go net.IP: 4 bytes, or 16 (an IPv4 address in its IPv4-mapped form, as Go keeps it).</summary>
    private static IPAddress Address(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length is not (4 or 16))
        {
            throw new MessagePackSerializationException($"a member address of {bytes.Length} bytes (expected 4 or 16)");
        }

        var address = new IPAddress(bytes);
        return address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
    }

    private static Dictionary<string, string> StringMap(ref MessagePackReader reader)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (reader.TryReadNil())
        {
            return map;
        }

        int count = reader.ReadMapHeader();
        for (int i = 0; i < count; i++)
        {
            string key = Text(ref reader);
            map[key] = Text(ref reader);
        }

        return map;
    }

    internal static string Text(ref MessagePackReader reader)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Nil:
                reader.ReadNil();
                return string.Empty;
            case MessagePackType.Binary:
                return Encoding.UTF8.GetString(reader.ReadBytes()!.Value);
            default:
                return reader.ReadString() ?? string.Empty;
        }
    }

    private static ReadOnlyMemory<byte> Bytes(ref MessagePackReader reader)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Nil:
                reader.ReadNil();
                return ReadOnlyMemory<byte>.Empty;
            case MessagePackType.String:
                var text = reader.ReadStringSequence()!.Value;
                return text.ToArray();
            default:
                return reader.ReadBytes()!.Value.ToArray();
        }
    }
}
