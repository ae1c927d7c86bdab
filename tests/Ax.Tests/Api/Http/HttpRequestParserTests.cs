using System.Text;
using Ax.Api.Http;

namespace Ax.Tests.Api.Http;

public sealed class HttpRequestParserTests
{
    private const int MaxHead = 16 * 1024;
    private const long MaxBody = 1024 * 1024;

    [Fact]
    public void Parse_SimpleGet_GivesMethodPathWithoutQuery_AndTheHeadLength()
    {
        byte[] request = Bytes("GET /api/v1/apps?o=json HTTP/1.1\r\nHost: ax\r\n\r\n");

        var result = Parse(request);

        Assert.Equal(HttpParseOutcome.Complete, result.Outcome);
        Assert.Equal("GET", result.Head!.Method);
        Assert.Equal("/api/v1/apps", result.Head.Path);
        Assert.Equal(0, result.Head.ContentLength);
        Assert.Equal(request.Length, result.HeadLength);
    }

    [Fact]
    public void Parse_KeepsTheQueryApart_AndRepeatedKeysAllReachTheHandler()
    {
        HttpRequestHead head = Parse(Bytes("GET /v1/rules?destination=reviews&tag=version%3Dv1&destination=a+b#frag HTTP/1.1\r\n\r\n")).Head!;
        Assert.Equal("/v1/rules", head.Path);
        Assert.Equal("destination=reviews&tag=version%3Dv1&destination=a+b", head.Query);

        var request = new HttpRequest("GET", head.Path, ReadOnlyMemory<byte>.Empty, head.Query);
        Assert.Equal(["reviews", "a b"], request.QueryValues("destination"));
        Assert.Equal(["version=v1"], request.QueryValues("tag"));
        Assert.Empty(request.QueryValues("id"));
        Assert.Equal(string.Empty, Parse(Bytes("GET /v1/rules HTTP/1.1\r\n\r\n")).Head!.Query);
    }

    [Fact]
    public void Parse_HeadArrivingByteByByte_IsIncompleteUntilTheBlankLine()
    {
        byte[] request = Bytes("POST /api/v1/vservices HTTP/1.1\r\nHost: ax\r\nContent-Length: 2\r\n\r\n");

        for (int length = 0; length < request.Length; length++)
        {
            Assert.Equal(HttpParseOutcome.Incomplete, Parse(request.AsSpan(0, length)).Outcome);
        }

        Assert.Equal(2, Parse(request).Head!.ContentLength);
    }

    [Fact]
    public void Parse_BytesAfterTheHead_AreNotPartOfIt()
    {
        byte[] request = Bytes("POST /x HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}GARBAGE / HTTP/9\r\n\r\n\0\0");

        var result = Parse(request);

        Assert.Equal(HttpParseOutcome.Complete, result.Outcome);
        Assert.Equal("{}", Encoding.ASCII.GetString(request, result.HeadLength, 2));
    }

    [Fact]
    public void Parse_AbsoluteFormTarget_GivesItsPath()
    {
        Assert.Equal("/api/v1/apps", Parse(Bytes("GET http://ax/api/v1/apps HTTP/1.1\r\n\r\n")).Head!.Path);
        Assert.Equal("/", Parse(Bytes("GET http://ax HTTP/1.1\r\n\r\n")).Head!.Path);
    }

    [Theory]
    [InlineData("GET /\r\n\r\n")]
    [InlineData("GET  / HTTP/1.1\r\n\r\n")]
    [InlineData("G@T / HTTP/1.1\r\n\r\n")]
    [InlineData("GET api/v1 HTTP/1.1\r\n\r\n")]
    [InlineData("GET * HTTP/1.1\r\n\r\n")]
    [InlineData("GET /a b HTTP/1.1\r\n\r\n")]
    [InlineData("GET /\u00e9 HTTP/1.1\r\n\r\n")]
    [InlineData("GET / HTTP/1.1 \r\n\r\n")]
    [InlineData("GET / http/1.1\r\n\r\n")]
    [InlineData("\r\n\r\n")]
    public void Parse_MalformedRequestLine_Is400(string request)
    {
        var result = Parse(Encoding.UTF8.GetBytes(request));

        Assert.Equal(HttpParseOutcome.Invalid, result.Outcome);
        Assert.Equal(400, result.Status);
        Assert.Contains("request", result.Error);
    }

    [Fact]
    public void Parse_GarbageRequestLine_IsRefusedBeforeTheHeadEnds()
    {
        var result = Parse([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, (byte)'\r', (byte)'\n', 0x00]);

        Assert.Equal(HttpParseOutcome.Invalid, result.Outcome);
        Assert.Equal(400, result.Status);
    }

    [Fact]
    public void Parse_OtherHttpVersion_Is505()
    {
        Assert.Equal(505, Parse(Bytes("GET / HTTP/2.0\r\n\r\n")).Status);
        Assert.Equal(HttpParseOutcome.Complete, Parse(Bytes("GET / HTTP/1.0\r\n\r\n")).Outcome);
    }

    [Theory]
    [InlineData("Host: ax\r\n X-Folded: more\r\n")]
    [InlineData("Host: ax\r\n\tX-Folded: more\r\n")]
    [InlineData("Host : ax\r\n")]
    [InlineData(": ax\r\n")]
    [InlineData("No colon here\r\n")]
    [InlineData("X-Ctl: a\u0001b\r\n")]
    [InlineData("X-Bare-Lf: a\nb\r\n")]
    public void Parse_MalformedHeaderLine_Is400(string headers)
    {
        var result = Parse(Bytes("GET / HTTP/1.1\r\n" + headers + "\r\n"));

        Assert.Equal(HttpParseOutcome.Invalid, result.Outcome);
        Assert.Equal(400, result.Status);
    }

    [Fact]
    public void Parse_ObsTextInAHeaderValue_IsAccepted()
    {
        Assert.Equal(HttpParseOutcome.Complete, Parse(Encoding.UTF8.GetBytes("GET / HTTP/1.1\r\nContent-Type: application/json\u00ff\r\n\r\n")).Outcome);
    }

    [Fact]
    public void Parse_RepeatedEqualContentLength_IsAccepted()
    {
        var result = Parse(Bytes("POST / HTTP/1.1\r\nContent-Length: 7\r\ncontent-length: 7\r\n\r\n"));

        Assert.Equal(7, result.Head!.ContentLength);
    }

    [Theory]
    [InlineData("Content-Length: 7\r\nContent-Length: 8\r\n")]
    [InlineData("Content-Length: 7, 7\r\n")]
    [InlineData("Content-Length: -1\r\n")]
    [InlineData("Content-Length: +5\r\n")]
    [InlineData("Content-Length: 0x10\r\n")]
    [InlineData("Content-Length: \r\n")]
    [InlineData("Content-Length: 99999999999999999999999\r\n")]
    public void Parse_BadOrDisagreeingContentLength_Is400(string headers)
    {
        Assert.Equal(400, Parse(Bytes("POST / HTTP/1.1\r\n" + headers + "\r\n")).Status);
    }

    [Theory]
    [InlineData("Transfer-Encoding: chunked\r\n")]
    [InlineData("Content-Length: 5\r\ntransfer-encoding: gzip, chunked\r\n")]
    public void Parse_TransferEncoding_Is411_WithOneSentence(string headers)
    {
        var result = Parse(Bytes("POST / HTTP/1.1\r\n" + headers + "\r\n"));

        Assert.Equal(411, result.Status);
        Assert.Contains("Content-Length", result.Error);
    }

    [Fact]
    public void Parse_BodyOverTheLimit_Is413_BeforeAnyOfItArrives()
    {
        Assert.Equal(413, Parse(Bytes($"POST / HTTP/1.1\r\nContent-Length: {MaxBody + 1}\r\n\r\n")).Status);
        Assert.Equal(HttpParseOutcome.Complete, Parse(Bytes($"POST / HTTP/1.1\r\nContent-Length: {MaxBody}\r\n\r\n")).Outcome);
    }

    [Fact]
    public void Parse_HeadOverTheLimit_Is431_WithOrWithoutItsEnd()
    {
        string big = "GET / HTTP/1.1\r\nX-Big: " + new string('h', MaxHead) + "\r\n";

        Assert.Equal(431, Parse(Bytes(big)[..MaxHead]).Status);
        Assert.Equal(431, Parse(Bytes(big + "\r\n")).Status);
        Assert.Equal(431, Parse(Bytes("GET /" + new string('x', MaxHead))[..MaxHead]).Status);
    }

    [Fact]
    public void Parse_HeadJustUnderTheLimit_IsAccepted()
    {
        string start = "GET / HTTP/1.1\r\nX-Fill: ";
        string request = start + new string('f', MaxHead - start.Length - 4) + "\r\n\r\n";

        Assert.Equal(MaxHead, request.Length);
        Assert.Equal(HttpParseOutcome.Complete, Parse(Bytes(request)).Outcome);
    }

    private static HttpParseResult Parse(ReadOnlySpan<byte> data) => HttpRequestParser.Parse(data, MaxHead, MaxBody);

    private static byte[] Bytes(string text) => Encoding.Latin1.GetBytes(text);
}
