using System.Buffers;
using System.Buffers.Binary;

namespace Ax.Cluster.Sync;

/// <summary>Reads whole frames from a peer's stream, one at a time, refusing any over a cap before reading it.</summary>
internal sealed class SyncFrameReader(Stream stream)
{
    private readonly byte[] _header = new byte[SyncFrameCodec.HeaderLength];

    /// <summary>The next frame, or null at a clean end of stream (between frames).</summary>
    /// <exception cref="SyncProtocolException">A frame over <paramref name="cap"/>, cut short, or malformed.</exception>
    internal async ValueTask<SyncFrame?> ReadAsync(int cap, CancellationToken cancel)
    {
        int got = await stream.ReadAtLeastAsync(_header, _header.Length, throwOnEndOfStream: false, cancel).ConfigureAwait(false);
        if (got == 0)
        {
            return null;
        }

        if (got < _header.Length)
        {
            throw new SyncProtocolException("the connection ended inside a frame header");
        }

        uint length = BinaryPrimitives.ReadUInt32BigEndian(_header);
        if (length == 0 || length > (uint)cap)
        {
            throw new SyncProtocolException($"a frame of {length} bytes (the limit is {cap})");
        }

        // Rented, not allocated: a full table is the only large frame, and a peer sends one per subscription.
        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)length);
        try
        {
            await stream.ReadExactlyAsync(buffer.AsMemory(0, (int)length), cancel).ConfigureAwait(false);
            if (!SyncFrameCodec.TryDecode(buffer.AsSpan(0, (int)length), out var frame, out string error))
            {
                throw new SyncProtocolException(error);
            }

            return frame;
        }
        catch (EndOfStreamException)
        {
            throw new SyncProtocolException("the connection ended inside a frame");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
