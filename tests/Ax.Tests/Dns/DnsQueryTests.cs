using Ax.Dns;

namespace Ax.Tests.Dns;

public sealed class DnsQueryTests
{
    [Fact]
    public void Query_IsRead_WithTheNameLowerCasedAndTheWireNameKeptAsSent()
    {
        byte[] message = DnsTestMessages.Query("Web.AppSwitch.Local", DnsRecordType.Aaaa);

        Assert.Equal(DnsParseError.None, DnsQuery.TryParse(message, out DnsQuery? query));

        Assert.Equal("web.appswitch.local", query!.Name);
        Assert.Equal(DnsRecordType.Aaaa, query.Type);
        Assert.Equal(DnsRecordType.ClassIn, query.Class);
        Assert.Equal(message[12..^4], query.WireName);
        Assert.Equal(0x1234, query.Header.Id);
    }

    [Fact]
    public void RootName_IsTheEmptyName()
    {
        Assert.Equal(DnsParseError.None, DnsQuery.TryParse(DnsTestMessages.WithQuestionBytes(0, 0, 1, 0, 1), out DnsQuery? query));
        Assert.Equal(string.Empty, query!.Name);
    }

    [Fact]
    public void BackwardPointer_ToAnEarlierName_IsFollowed()
    {
        // A later name (at 15) pointing back to an earlier one (at 12), as answers do.
        byte[] message = [.. new byte[12], 1, (byte)'a', 0, 3, (byte)'w', (byte)'w', (byte)'w', 0xc0, 12];
        Span<byte> wire = stackalloc byte[255];

        Assert.Equal(DnsParseError.None, DnsName.TryRead(message, 15, wire, out int length, out int end));

        Assert.Equal("www.a", DnsName.ToText(wire[..length]));
        Assert.Equal(message.Length, end);
    }

    [Theory]
    [InlineData(new byte[] { 0xc0, 12, 0, 1, 0, 1 }, (int)DnsParseError.BadPointer)] // points at itself
    [InlineData(new byte[] { 1, (byte)'a', 0xc0, 12, 0, 1, 0, 1 }, (int)DnsParseError.BadPointer)] // loops to its start
    [InlineData(new byte[] { 1, (byte)'a', 0xc0, 16, 0, 1, 0, 1 }, (int)DnsParseError.BadPointer)] // points forward
    [InlineData(new byte[] { 0xc0 }, (int)DnsParseError.Truncated)] // half a pointer
    [InlineData(new byte[] { 5, (byte)'a', (byte)'b' }, (int)DnsParseError.Truncated)] // label past the end
    [InlineData(new byte[] { 1, (byte)'a' }, (int)DnsParseError.Truncated)] // no root byte
    [InlineData(new byte[] { 1, (byte)'a', 0, 0, 1, 0 }, (int)DnsParseError.Truncated)] // class cut short
    [InlineData(new byte[] { 0x41, (byte)'a', 0, 0, 1, 0, 1 }, (int)DnsParseError.BadLabelType)] // 01 prefix
    [InlineData(new byte[] { 0x80, (byte)'a', 0, 0, 1, 0, 1 }, (int)DnsParseError.BadLabelType)] // 10 prefix
    public void BrokenQuestion_GivesAnErrorValue(byte[] question, int expected)
    {
        Assert.Equal((DnsParseError)expected, DnsQuery.TryParse(DnsTestMessages.WithQuestionBytes(question), out DnsQuery? query));
        Assert.Null(query);
    }

    [Fact]
    public void PointerChainThatGoesDownEveryStep_EndsAndCannotLoop()
    {
        // 12: "\x01a" then 0; 15: "\x01b" -> ptr 12; 19: "\x01c" -> ptr 15; a query name at 23 -> ptr 19.
        byte[] message = [.. new byte[12], 1, (byte)'a', 0, 1, (byte)'b', 0xc0, 12, 1, (byte)'c', 0xc0, 15, 0xc0, 19];
        Span<byte> wire = stackalloc byte[255];

        Assert.Equal(DnsParseError.None, DnsName.TryRead(message, 23, wire, out int length, out _));
        Assert.Equal("c.b.a", DnsName.ToText(wire[..length]));
    }

    [Fact]
    public void NameLongerThan255Bytes_IsRefused()
    {
        var question = new List<byte>();
        for (int i = 0; i < 5; i++)
        {
            question.Add(60);
            question.AddRange(Enumerable.Repeat((byte)'a', 60));
        }

        question.AddRange([0, 0, 1, 0, 1]);

        Assert.Equal(DnsParseError.NameTooLong, DnsQuery.TryParse(DnsTestMessages.WithQuestionBytes([.. question]), out _));
    }

    [Theory]
    [InlineData("b", (int)DnsParseError.None)] // 4 * 63 + 2 + the root byte = 255
    [InlineData("bb", (int)DnsParseError.NameTooLong)] // 256
    public void NameLength_IsCheckedAtTheByte(string last, int expectedError)
    {
        var expected = (DnsParseError)expectedError;
        var question = new List<byte>();
        for (int i = 0; i < 4; i++)
        {
            question.Add(62);
            question.AddRange(Enumerable.Repeat((byte)'a', 62));
        }

        question.Add((byte)last.Length);
        question.AddRange(System.Text.Encoding.ASCII.GetBytes(last));
        question.AddRange([0, 0, 1, 0, 1]);

        Assert.Equal(expected, DnsQuery.TryParse(DnsTestMessages.WithQuestionBytes([.. question]), out DnsQuery? query));
        Assert.Equal(expected == DnsParseError.None ? 255 : 0, query?.WireName.Length ?? 0);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void QuestionCountOtherThanOne_IsRefused(ushort count)
    {
        byte[] message = DnsTestMessages.Query("web");
        message[5] = (byte)count;

        Assert.Equal(DnsParseError.NotOneQuestion, DnsQuery.TryParse(message, out _));
    }

    [Fact]
    public void Response_IsNotAQuery()
    {
        byte[] message = DnsTestMessages.Query("web", flags: DnsHeader.QrFlag);

        Assert.Equal(DnsParseError.NotAQuery, DnsQuery.TryParse(message, out _));
    }

    [Fact]
    public void OddBytesInALabel_AreEscaped_SoTheyMatchNoName()
    {
        byte[] wire = [4, (byte)'w', (byte)'.', (byte)'B', 0xff, 0];

        Assert.Equal("w\\046b\\255", DnsName.ToText(wire));
    }
}
