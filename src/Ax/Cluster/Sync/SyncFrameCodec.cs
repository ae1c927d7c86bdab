using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Ax.Cluster.Sync;

/// <summary>
/// The sync protocol's framing: a 4-byte big-endian length, then that many bytes: one kind byte and a
/// UTF-8 JSON body. A length says up front how much a peer will send, so a reader refuses a frame over its
/// cap before buffering it (as HTTP/2's SETTINGS_MAX_FRAME_SIZE does, RFC 9113 section 4.2); JSON keeps the
/// wire readable with tcpdump and versionable by field; bodies are parsed strictly and then validated
/// (<see cref="SyncValidation"/>), so nothing a peer sends reaches the table unchecked.
/// </summary>
internal static class SyncFrameCodec
{
    /// <summary>The protocol version a hello carries; a publisher refuses another.</summary>
    internal const int ProtocolVersion = 1;

    internal const int HeaderLength = 4;

    /// <summary>Encodes one frame, length prefix included.</summary>
    internal static byte[] Encode(SyncFrameKind kind, object body)
    {
        byte[] json = kind switch
        {
            SyncFrameKind.Hello => Serialize((SyncHello)body, SyncJsonContext.Default.SyncHello),
            SyncFrameKind.Full => Serialize((NodeTable)body, SyncJsonContext.Default.NodeTable),
            SyncFrameKind.Delta => Serialize((SyncDelta)body, SyncJsonContext.Default.SyncDelta),
            SyncFrameKind.Digest => Serialize((SyncDigest)body, SyncJsonContext.Default.SyncDigest),
            SyncFrameKind.Refusal => Serialize((SyncRefusal)body, SyncJsonContext.Default.SyncRefusal),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        byte[] frame = new byte[HeaderLength + 1 + json.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)(1 + json.Length));
        frame[HeaderLength] = (byte)kind;
        json.CopyTo(frame.AsSpan(HeaderLength + 1));
        return frame;
    }

    /// <summary>
    /// Decodes and validates a frame's content (the bytes after its length). False, with why, for anything
    /// a well-behaved peer does not send; never throws.
    /// </summary>
    internal static bool TryDecode(ReadOnlySpan<byte> content, out SyncFrame frame, out string error)
    {
        frame = default;
        if (content.IsEmpty)
        {
            error = "empty frame";
            return false;
        }

        var kind = (SyncFrameKind)content[0];
        var json = content[1..];
        try
        {
            object? body = kind switch
            {
                SyncFrameKind.Hello => JsonSerializer.Deserialize(json, SyncJsonContext.Default.SyncHello),
                SyncFrameKind.Full => JsonSerializer.Deserialize(json, SyncJsonContext.Default.NodeTable),
                SyncFrameKind.Delta => JsonSerializer.Deserialize(json, SyncJsonContext.Default.SyncDelta),
                SyncFrameKind.Digest => JsonSerializer.Deserialize(json, SyncJsonContext.Default.SyncDigest),
                SyncFrameKind.Refusal => JsonSerializer.Deserialize(json, SyncJsonContext.Default.SyncRefusal),
                _ => null,
            };
            if (body is null)
            {
                error = kind is >= SyncFrameKind.Hello and <= SyncFrameKind.Refusal ? $"a null {kind} body" : $"unknown frame kind {(byte)kind}";
                return false;
            }

            if (!SyncValidation.TryValidate(body, out error))
            {
                return false;
            }

            frame = new SyncFrame(kind, body);
            return true;
        }
        catch (JsonException e)
        {
            // Malformed JSON, a missing, null, unknown or mistyped field: the generated reader says which.
            error = $"bad {kind} body: {e.Message}";
            return false;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or OverflowException)
        {
            // Invalid UTF-8 and similar reach here through the reader's own checks.
            error = $"bad {kind} body: {e.Message}";
            return false;
        }
    }

    private static byte[] Serialize<T>(T body, JsonTypeInfo<T> info) => JsonSerializer.SerializeToUtf8Bytes(body, info);
}
