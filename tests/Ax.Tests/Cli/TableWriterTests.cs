using Ax.Cli;

namespace Ax.Tests.Cli;

public sealed class TableWriterTests
{
    [Fact]
    public void Render_PadsColumnsUnderUpperCaseHeadersWithADashedRule()
    {
        string table = TableWriter.Render(["ID", "PROTO"], [["1", "tcp"], ["12345", "udp"]]);

        Assert.Equal(
            "ID      PROTO\n" +
            "-------------\n" +
            "1       tcp\n" +
            "12345   udp\n",
            table.Replace("\r\n", "\n"));
    }
}
