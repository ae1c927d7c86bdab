using MessagePack;

namespace Ax.Cluster.Serf;

/// <summary>
/// Cuts the agent's byte stream into frames: a response header, then a body when the request it answers
/// has one. The protocol does not say in the bytes whether a body follows (the agent's Go client decodes
/// it in the per-sequence handler, client/rpc_client.go genericRPC), so the caller says it per header.
/// Completeness is checked by skipping over each object before anything is decoded, so a frame split
/// across reads waits for its rest instead of failing. (The reader's TrySkip is not public in 2.5, and
/// Skip reports a short buffer with EndOfStreamException; that costs an exception only when a frame
/// straddles two reads, a handful of times per large <c>members</c> answer.)
/// </summary>
internal static class SerfFrameDecoder
{
    /// <summary>
    /// Takes one frame from the start of <paramref name="buffer"/>. Returns the bytes it spans, or 0 when the
    /// frame is not complete yet (nothing is consumed). Throws <see cref="MessagePackSerializationException"/>
    /// when the bytes are not a Serf frame.
    /// </summary>
    internal static int TryTake(ReadOnlyMemory<byte> buffer, Func<SerfResponseHeader, bool> expectsBody, out SerfResponseHeader header, out ReadOnlyMemory<byte> body)
    {
        header = default;
        body = ReadOnlyMemory<byte>.Empty;
        int headerLength = Measure(buffer);
        if (headerLength == 0)
        {
            return 0;
        }

        var headerReader = new MessagePackReader(buffer[..headerLength]);
        if (headerReader.NextMessagePackType != MessagePackType.Map)
        {
            throw new MessagePackSerializationException($"a response header that is a {headerReader.NextMessagePackType}, not a map");
        }

        header = SerfWireReader.Header(ref headerReader);
        if (!expectsBody(header))
        {
            return headerLength;
        }

        int bodyLength = Measure(buffer[headerLength..]);
        if (bodyLength == 0)
        {
            return 0;
        }

        body = buffer.Slice(headerLength, bodyLength);
        return headerLength + bodyLength;
    }

    /// <summary>The length of the object at the start of <paramref name="buffer"/>, or 0 when it is incomplete.</summary>
    private static int Measure(ReadOnlyMemory<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        var probe = new MessagePackReader(buffer);
        try
        {
            probe.Skip();
        }
        catch (EndOfStreamException)
        {
            return 0;
        }

        return (int)probe.Consumed;
    }
}
