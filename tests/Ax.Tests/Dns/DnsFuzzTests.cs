using Ax.Dns;

namespace Ax.Tests.Dns;

/// <summary>
/// Random and mutated messages through the parser and the responder, a bounded number of times with a
/// fixed seed (so a failure reproduces): nothing may throw, every reply must fit the buffer and carry
/// the client's id, and no broken message may earn an answer with records in it.
/// </summary>
public sealed class DnsFuzzTests
{
    private const int Iterations = 20_000;

    private static readonly DnsResponder Responder = new(
        new DnsOptions { Forwarders = [new Ax.Addressing.Ipv4Endpoint(0x0a000001, 53)] },
        [new AnyName()]);

    [Fact]
    public void RandomBytes_NeverThrow()
    {
        var random = new Random(20260101);
        for (int i = 0; i < Iterations; i++)
        {
            byte[] message = new byte[random.Next(0, 600)];
            random.NextBytes(message);
            Check(message);
        }
    }

    [Fact]
    public void MutatedQueries_NeverThrow()
    {
        var random = new Random(7);
        byte[][] seeds =
        [
            DnsTestMessages.Query("web"),
            DnsTestMessages.Query("web.appswitch.local", DnsRecordType.Aaaa),
            DnsTestMessages.Query("a.b.c.example.com"),
            [.. new byte[12], 1, (byte)'a', 0, 1, (byte)'b', 0xc0, 12, 0, 1, 0, 1],
        ];
        seeds[3][5] = 1; // one question
        for (int i = 0; i < Iterations; i++)
        {
            byte[] message = Mutate(random, seeds[random.Next(seeds.Length)]);
            Check(message);
        }
    }

    [Fact]
    public void PointerSoup_NeverThrowsOrLoops()
    {
        // Messages made mostly of compression pointers aimed anywhere: the loops a hostile client would try.
        var random = new Random(99);
        for (int i = 0; i < Iterations; i++)
        {
            byte[] message = DnsTestMessages.Header((ushort)i, 0x0100, 1).Concat(new byte[random.Next(2, 80)]).ToArray();
            for (int p = 12; p + 1 < message.Length; p += 2)
            {
                message[p] = (byte)(random.Next(4) == 0 ? random.Next(1, 4) : 0xc0 | random.Next(0, 2));
                message[p + 1] = (byte)random.Next(0, message.Length + 4);
            }

            Check(message);
        }
    }

    private static byte[] Mutate(Random random, byte[] seed)
    {
        var message = seed.ToList();
        int edits = random.Next(1, 6);
        for (int e = 0; e < edits; e++)
        {
            switch (random.Next(5))
            {
                case 0 when message.Count > 0:
                    message[random.Next(message.Count)] = (byte)random.Next(256);
                    break;
                case 1 when message.Count > 0:
                    message.RemoveRange(random.Next(message.Count), 1);
                    break;
                case 2:
                    message.Insert(random.Next(message.Count + 1), (byte)random.Next(256));
                    break;
                case 3 when message.Count > 0:
                    message = message.Take(random.Next(message.Count + 1)).ToList(); // truncate
                    break;
                default:
                    int at = random.Next(12, Math.Max(13, message.Count));
                    if (at < message.Count)
                    {
                        message[at] = (byte)(0xc0 | random.Next(0, 0x40)); // a pointer where a label was
                    }

                    break;
            }
        }

        return [.. message];
    }

    private static void Check(byte[] message)
    {
        DnsParseError error = DnsQuery.TryParse(message, out DnsQuery? query);
        Assert.True(Enum.IsDefined(error));
        Assert.Equal(error == DnsParseError.None, query is not null);

        byte[] reply = new byte[DnsResponseWriter.MaxLocalReply];
        DnsDecision decision = Responder.Decide(message, reply, out int length, out _);
        if (decision == DnsDecision.Reply)
        {
            Assert.InRange(length, DnsHeader.Size, reply.Length);
            Assert.Equal(message[0], reply[0]);
            Assert.Equal(message[1], reply[1]);
            Assert.NotEqual(0, reply[2] & 0x80);
            if (error != DnsParseError.None)
            {
                Assert.Equal(0, DnsTestMessages.AnswerCount(reply.AsSpan(0, length)));
            }
            else if (reply[5] == 1)
            {
                // A reply with the question echoed (not a header-only NOTIMP) must itself be well formed.
                Assert.Equal(DnsParseError.None, DnsQuery.TryParse(ToQueryShape(reply.AsSpan(0, length)), out _));
            }
        }
        else if (decision == DnsDecision.Forward)
        {
            Assert.Equal(DnsParseError.None, error);
        }
    }

    /// <summary>The reply's header turned back into a query's, so the parser can check the reply's question is well formed.</summary>
    private static byte[] ToQueryShape(ReadOnlySpan<byte> reply)
    {
        byte[] copy = reply.ToArray();
        copy[2] &= 0x7f;
        return copy;
    }

    private sealed class AnyName : INameSource
    {
        public bool TryResolve(string name, out uint address)
        {
            address = (uint)name.Length;
            return name.Length % 2 == 0;
        }
    }
}
