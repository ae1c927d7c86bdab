using Ax.Cluster;
using Microsoft.Extensions.Logging;

namespace Ax.Tests.Cluster;

public sealed class SerfAgentOutputTests
{
    [Fact]
    public void AgentLines_KeepTheirLevel_LoseTheirDate_AndContinuationsKeepTheLevelBefore()
    {
        var logger = new RecordingLogger("n");
        var output = new SerfAgentOutput(logger);

        output.Line("    2026/12/03 12:31:24 [WARN] agent: error joining: 1 error occurred:");
        output.Line("\t* Failed to join 10.213.218.2: connect: connection refused");
        output.Line("    2026/12/03 12:31:25 [INFO] serf: EventMemberJoin: node2 10.213.218.2");
        output.Line("==> Failed to start the Serf agent: Error creating Serf: bind: address already in use");
        output.Line("");

        var lines = logger.Lines.Select(l => l[(l.IndexOf(' ', StringComparison.Ordinal) + 1)..]).ToArray();
        Assert.Equal(
            [
                $"n {LogLevel.Warning}: serf: agent: error joining: 1 error occurred:",
                $"n {LogLevel.Warning}: serf: * Failed to join 10.213.218.2: connect: connection refused",
                $"n {LogLevel.Information}: serf: serf: EventMemberJoin: node2 10.213.218.2",
                $"n {LogLevel.Error}: serf: Failed to start the Serf agent: Error creating Serf: bind: address already in use",
            ],
            lines);
        Assert.Contains("address already in use", output.LastError, StringComparison.Ordinal);
    }
}
