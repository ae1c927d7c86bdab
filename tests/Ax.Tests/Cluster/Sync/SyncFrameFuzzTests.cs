using System.Buffers.Binary;
using Ax.Cluster.Sync;

namespace Ax.Tests.Cluster.Sync;

/// <summary>
/// Random and mutated frames through the decoder and the stream reader, a bounded number of times with a
/// fixed seed (so a failure reproduces): nothing may throw but the reader's protocol error, and whatever
/// decodes must also pass validation again and encode back.
/// </summary>
public sealed class SyncFrameFuzzTests
{
    private const int Iterations = 20_000;

    private const string JsonBytes = "{}[]\",:0-9enulltrue\\";

    private static readonly byte[][] Seeds =
    [
        SyncFrameCodec.Encode(SyncFrameKind.Hello, new SyncHello(1, "appswitch", "b", "a", 5, 9))[4..],
        SyncFrameCodec.Encode(SyncFrameKind.Full, new NodeTable("a", "appswitch", 5, 9, [SyncRows.App("a", 1)], [SyncRows.Service("a", 1), SyncRows.Service("a", 5)]))[4..],
        SyncFrameCodec.Encode(SyncFrameKind.Delta, new SyncDelta(5, 9, 10, [SyncRows.App("a", 2)], ["a-a1"], [SyncRows.Service("a", 2)], ["a-s1"]))[4..],
        SyncFrameCodec.Encode(SyncFrameKind.Digest, new SyncDigest(5, 9, "00112233445566778899aabbccddeeff"))[4..],
        SyncFrameCodec.Encode(SyncFrameKind.Refusal, new SyncRefusal("no"))[4..],
    ];

    [Fact]
    public void RandomBytes_NeverThrow()
    {
        var random = new Random(20261203);
        for (int i = 0; i < Iterations; i++)
        {
            byte[] content = new byte[random.Next(0, 300)];
            random.NextBytes(content);
            if (content.Length > 0)
            {
                content[0] = (byte)random.Next(0, 7);
            }

            Check(content);
        }
    }

    [Fact]
    public void MutatedFrames_NeverThrow_AndWhatDecodesIsValid()
    {
        var random = new Random(17);
        int decoded = 0;
        for (int i = 0; i < Iterations; i++)
        {
            decoded += Check(Mutate(random, Seeds[random.Next(Seeds.Length)])) ? 1 : 0;
        }

        // Most mutations break a frame; some (a digit changed, say) leave it valid: both paths ran.
        Assert.InRange(decoded, 1, Iterations - 1);
    }

    [Fact]
    public async Task MutatedStreams_FailOnlyWithAProtocolError()
    {
        var random = new Random(5);
        for (int i = 0; i < 2000; i++)
        {
            var bytes = new List<byte>();
            for (int f = random.Next(1, 4); f > 0; f--)
            {
                byte[] content = Mutate(random, Seeds[random.Next(Seeds.Length)]);
                byte[] length = new byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(length, random.Next(10) == 0 ? (uint)random.Next() : (uint)content.Length);
                bytes.AddRange(length);
                bytes.AddRange(content);
            }

            var reader = new SyncFrameReader(new MemoryStream([.. bytes.Take(random.Next(bytes.Count + 1))]));
            try
            {
                while (await reader.ReadAsync(4096, CancellationToken.None) is not null)
                {
                }
            }
            catch (SyncProtocolException)
            {
            }
        }
    }

    [Fact]
    public void EverySeed_Decodes()
    {
        foreach (byte[] seed in Seeds)
        {
            Assert.True(SyncFrameCodec.TryDecode(seed, out _, out string error), error);
        }
    }

    private static bool Check(byte[] content)
    {
        if (!SyncFrameCodec.TryDecode(content, out var frame, out string error))
        {
            Assert.False(string.IsNullOrEmpty(error));
            return false;
        }

        Assert.True(SyncValidation.TryValidate(frame.Body, out error), error);
        byte[] again = SyncFrameCodec.Encode(frame.Kind, frame.Body);
        Assert.True(SyncFrameCodec.TryDecode(again.AsSpan(4), out _, out error), error);
        return true;
    }

    private static byte[] Mutate(Random random, byte[] seed)
    {
        var content = seed.ToList();
        int edits = random.Next(1, 4);
        for (int e = 0; e < edits; e++)
        {
            switch (random.Next(6))
            {
                case 0 when content.Count > 1:
                    content[random.Next(1, content.Count)] = (byte)random.Next(256);
                    break;
                case 1 when content.Count > 1:
                    content.RemoveAt(random.Next(1, content.Count));
                    break;
                case 2:
                    content.Insert(random.Next(1, content.Count + 1), (byte)JsonBytes[random.Next(JsonBytes.Length)]);
                    break;
                case 3 when content.Count > 1:
                    // A digit or letter nudged: a near-valid frame.
                    int at = random.Next(1, content.Count);
                    content[at] = (byte)(content[at] ^ 1);
                    break;
                case 4:
                    content[0] = (byte)random.Next(0, 7);
                    break;
                default:
                    content = content.Take(random.Next(1, content.Count + 1)).ToList();
                    break;
            }
        }

        return [.. content];
    }
}
