using System.Buffers;
using MessagePack;

namespace Ax.Cluster.Serf;

/// <summary>
/// Encodes requests to a Serf agent (command/agent/ipc.go): a header map <c>{Command, Seq}</c>, then the
/// command's body map when it has one. Field names are the Go struct fields' names, which is how the
/// agent's msgpack decoder (go-msgpack, struct-as-map) matches them. Strings go out as msgpack str and
/// byte slices as bin, as the agent's own encoder writes them (MsgpackHandle with WriteExt).
/// </summary>
internal static class SerfRequestWriter
{
    internal static void Handshake(IBufferWriter<byte> output, ulong seq, int version)
    {
        var writer = Begin(output, "handshake", seq);
        writer.WriteMapHeader(1);
        writer.Write("Version");
        writer.Write(version);
        writer.Flush();
    }

    /// <summary>A command without a body: <c>members</c>, <c>leave</c>.</summary>
    internal static void Bare(IBufferWriter<byte> output, string command, ulong seq)
    {
        var writer = Begin(output, command, seq);
        writer.Flush();
    }

    internal static void Join(IBufferWriter<byte> output, ulong seq, IReadOnlyList<string> existing, bool replay)
    {
        var writer = Begin(output, "join", seq);
        writer.WriteMapHeader(2);
        writer.Write("Existing");
        WriteStrings(ref writer, existing);
        writer.Write("Replay");
        writer.Write(replay);
        writer.Flush();
    }

    internal static void Tags(IBufferWriter<byte> output, ulong seq, IReadOnlyDictionary<string, string> set, IReadOnlyCollection<string> delete)
    {
        var writer = Begin(output, "tags", seq);
        writer.WriteMapHeader(2);
        writer.Write("Tags");
        WriteMap(ref writer, set);
        writer.Write("DeleteTags");
        WriteStrings(ref writer, delete);
        writer.Flush();
    }

    internal static void Event(IBufferWriter<byte> output, ulong seq, string name, ReadOnlySpan<byte> payload, bool coalesce)
    {
        var writer = Begin(output, "event", seq);
        writer.WriteMapHeader(3);
        writer.Write("Name");
        writer.Write(name);
        writer.Write("Payload");
        writer.Write(payload);
        writer.Write("Coalesce");
        writer.Write(coalesce);
        writer.Flush();
    }

    /// <summary><c>stream</c> with an event filter: "*", or a comma list such as "member-join,user:deploy,query".</summary>
    internal static void Stream(IBufferWriter<byte> output, ulong seq, string filter)
    {
        var writer = Begin(output, "stream", seq);
        writer.WriteMapHeader(1);
        writer.Write("Type");
        writer.Write(filter);
        writer.Flush();
    }

    internal static void Stop(IBufferWriter<byte> output, ulong seq, ulong streamSeq)
    {
        var writer = Begin(output, "stop", seq);
        writer.WriteMapHeader(1);
        writer.Write("Stop");
        writer.Write(streamSeq);
        writer.Flush();
    }

    /// <summary>
    /// <c>query</c>; <paramref name="timeout"/> travels as a Go <c>time.Duration</c>, an integer of
    /// nanoseconds; zero lets the agent pick its default (serf.DefaultQueryTimeout).
    /// </summary>
    internal static void Query(IBufferWriter<byte> output, ulong seq, string name, ReadOnlySpan<byte> payload, TimeSpan timeout, bool requestAck, IReadOnlyList<string>? filterNodes, IReadOnlyDictionary<string, string>? filterTags)
    {
        var writer = Begin(output, "query", seq);
        writer.WriteMapHeader(7);
        writer.Write("FilterNodes");
        WriteStrings(ref writer, filterNodes ?? []);
        writer.Write("FilterTags");
        WriteMap(ref writer, filterTags ?? new Dictionary<string, string>());
        writer.Write("RequestAck");
        writer.Write(requestAck);
        writer.Write("RelayFactor");
        writer.Write((byte)0);
        writer.Write("Timeout");
        writer.Write(timeout.Ticks * 100);
        writer.Write("Name");
        writer.Write(name);
        writer.Write("Payload");
        writer.Write(payload);
        writer.Flush();
    }

    internal static void Respond(IBufferWriter<byte> output, ulong seq, ulong id, ReadOnlySpan<byte> payload)
    {
        var writer = Begin(output, "respond", seq);
        writer.WriteMapHeader(2);
        writer.Write("ID");
        writer.Write(id);
        writer.Write("Payload");
        writer.Write(payload);
        writer.Flush();
    }

    private static MessagePackWriter Begin(IBufferWriter<byte> output, string command, ulong seq)
    {
        var writer = new MessagePackWriter(output);
        writer.WriteMapHeader(2);
        writer.Write("Command");
        writer.Write(command);
        writer.Write("Seq");
        writer.Write(seq);
        return writer;
    }

    private static void WriteStrings(ref MessagePackWriter writer, IReadOnlyCollection<string> values)
    {
        writer.WriteArrayHeader(values.Count);
        foreach (string value in values)
        {
            writer.Write(value);
        }
    }

    private static void WriteMap(ref MessagePackWriter writer, IReadOnlyCollection<KeyValuePair<string, string>> map)
    {
        writer.WriteMapHeader(map.Count);
        foreach (var pair in map)
        {
            writer.Write(pair.Key);
            writer.Write(pair.Value);
        }
    }
}
