using Ax.Addressing;
using Ax.Dns;

namespace Ax.Tests.Dns;

public sealed class DnsResponderTests
{
    private const uint WebIp = (198u << 24) | (18u << 16) | 1;

    private static readonly DnsOptions Options = new() { Forwarders = [new Ipv4Endpoint(0x0a000001, 53)] };

    private readonly DnsResponder _responder = new(Options, [new FixedNames(("web", WebIp))]);

    [Theory]
    [InlineData("web")]
    [InlineData("WEB")]
    [InlineData("web.appswitch.local")]
    [InlineData("Web.AppSwitch.Local.")]
    public void AppName_GetsItsAddress(string name)
    {
        byte[] reply = Decide(DnsTestMessages.Query(name), DnsDecision.Reply);

        Assert.Equal(DnsResponseCode.NoError, DnsTestMessages.Code(reply));
        Assert.Equal(1, DnsTestMessages.AnswerCount(reply));
        Assert.Equal(WebIp, DnsTestMessages.LastAddress(reply));
        Assert.Equal(0x12, reply[0]); // the client's id
        Assert.Equal(0x34, reply[1]);
        Assert.NotEqual(0, reply[2] & 0x80); // QR
        Assert.NotEqual(0, reply[2] & 0x04); // AA
        Assert.NotEqual(0, reply[2] & 0x01); // RD copied
    }

    [Fact]
    public void Reply_EchoesTheQuestionAsSent_AndParsesAsADnsMessage()
    {
        byte[] query = DnsTestMessages.Query("wEb.appswitch.local");

        byte[] reply = Decide(query, DnsDecision.Reply);

        Assert.Equal(query[12..], reply[12..query.Length]);
        Assert.Equal(query.Length + 16, reply.Length);
        Assert.Equal([0xc0, 12, 0, 1, 0, 1], reply[query.Length..(query.Length + 6)]);
    }

    [Fact]
    public void Aaaa_OfAnAppName_IsNoErrorWithoutAnswers()
    {
        byte[] reply = Decide(DnsTestMessages.Query("web.appswitch.local", DnsRecordType.Aaaa), DnsDecision.Reply);

        Assert.Equal(DnsResponseCode.NoError, DnsTestMessages.Code(reply));
        Assert.Equal(0, DnsTestMessages.AnswerCount(reply));
    }

    [Theory]
    [InlineData("nosuch.appswitch.local")]
    [InlineData("a.web.appswitch.local")]
    [InlineData("w\\eb.appswitch.local")]
    public void UnknownNameInTheDomain_IsNxDomain(string name)
    {
        byte[] reply = Decide(DnsTestMessages.Query(name), DnsDecision.Reply);

        Assert.Equal(DnsResponseCode.NxDomain, DnsTestMessages.Code(reply));
    }

    [Theory]
    [InlineData("example.com")]
    [InlineData("nosuch")]
    [InlineData("web.example.com")]
    [InlineData("appswitch.local.example")]
    public void OtherNames_AreForwarded(string name) => Decide(DnsTestMessages.Query(name), DnsDecision.Forward);

    [Fact]
    public void OtherNames_WithoutForwarders_AreServFail()
    {
        var responder = new DnsResponder(new DnsOptions(), []);
        byte[] buffer = new byte[512];

        Assert.Equal(DnsDecision.Reply, responder.Decide(DnsTestMessages.Query("example.com"), buffer, out int length, out _));
        Assert.Equal(DnsResponseCode.ServFail, DnsTestMessages.Code(buffer.AsSpan(0, length)));
    }

    [Fact]
    public void BrokenQuestion_IsFormErr_AndAResponseOrAShortMessageIsDropped()
    {
        byte[] formErr = Decide(DnsTestMessages.WithQuestionBytes(0xc0, 12, 0, 1, 0, 1), DnsDecision.Reply);
        Assert.Equal(DnsResponseCode.FormErr, DnsTestMessages.Code(formErr));
        Assert.Equal(12, formErr.Length);

        Decide(DnsTestMessages.Query("web", flags: DnsHeader.QrFlag), DnsDecision.Drop);
        Decide([1, 2, 3], DnsDecision.Drop);
        Decide([], DnsDecision.Drop);
    }

    [Fact]
    public void OtherOpcodes_AreNotImp()
    {
        byte[] reply = Decide(DnsTestMessages.Query("web", flags: 2 << 11), DnsDecision.Reply);

        Assert.Equal(DnsResponseCode.NotImp, DnsTestMessages.Code(reply));
    }

    [Theory]
    [InlineData("1.0.18.198.in-addr.arpa")]
    [InlineData("7.3.19.198.in-addr.arpa")]
    public void ReverseLookupOfAMadeUpAddress_IsAnsweredHere(string name)
    {
        byte[] reply = Decide(DnsTestMessages.Query(name, 12 /* PTR */), DnsDecision.Reply);

        Assert.Equal(DnsResponseCode.NxDomain, DnsTestMessages.Code(reply));
    }

    [Fact]
    public void ReverseLookupOfAnotherAddress_IsForwarded() => Decide(DnsTestMessages.Query("1.0.20.198.in-addr.arpa", 12), DnsDecision.Forward);

    [Fact]
    public void TheDomainItself_IsNoErrorWithoutAnswers()
    {
        byte[] reply = Decide(DnsTestMessages.Query("appswitch.local"), DnsDecision.Reply);

        Assert.Equal(DnsResponseCode.NoError, DnsTestMessages.Code(reply));
        Assert.Equal(0, DnsTestMessages.AnswerCount(reply));
    }

    private byte[] Decide(byte[] message, DnsDecision expected)
    {
        byte[] buffer = new byte[DnsResponseWriter.MaxLocalReply];
        Assert.Equal(expected, _responder.Decide(message, buffer, out int length, out _));
        return buffer[..length];
    }

    private sealed class FixedNames(params (string Name, uint Address)[] names) : INameSource
    {
        public bool TryResolve(string name, out uint address)
        {
            foreach (var (n, a) in names)
            {
                if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase))
                {
                    address = a;
                    return true;
                }
            }

            address = 0;
            return false;
        }
    }
}
