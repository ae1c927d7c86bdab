using Ax.Contracts;
using Ax.Daemon;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ax.Tests.Daemon;

public sealed class DaemonStateTests : IDisposable
{
    private readonly string _runDir = Path.Combine(Path.GetTempPath(), "ax-state-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void Saved_IsLoadedBack_AndLeavesNoTemporaryFile()
    {
        var state = new DaemonState(_runDir, NullLogger.Instance);
        VServiceInfo[] saved = [new("a", "RoundRobin", "1.1.1.1", [new VServicePort(80, 8080)], ["2.2.2.2"], true)];

        state.Save("vservices", saved, AxJsonContext.Default.VServiceInfoArray);
        var loaded = state.Load("vservices", AxJsonContext.Default.VServiceInfoArray);

        Assert.NotNull(loaded);
        Assert.Equal("a", loaded[0].Name);
        Assert.Equal([new VServicePort(80, 8080)], loaded[0].Ports);
        Assert.Equal(["vservices.json"], Directory.GetFiles(DaemonState.Directory(_runDir)).Select(Path.GetFileName));
    }

    [Fact]
    public void MissingOrCorruptState_LoadsAsNothing()
    {
        var state = new DaemonState(_runDir, NullLogger.Instance);
        Assert.Null(state.Load("vservices", AxJsonContext.Default.VServiceInfoArray));

        Directory.CreateDirectory(DaemonState.Directory(_runDir));
        File.WriteAllText(state.PathOf("vservices"), "[{\"name\": ");

        Assert.Null(state.Load("vservices", AxJsonContext.Default.VServiceInfoArray));
    }

    [Fact]
    public void Clean_RemovesTheStateDirectory()
    {
        var state = new DaemonState(_runDir, NullLogger.Instance);
        state.Save("vservices", Array.Empty<VServiceInfo>(), AxJsonContext.Default.VServiceInfoArray);

        DaemonState.Clean(_runDir);

        Assert.False(Directory.Exists(DaemonState.Directory(_runDir)));
    }

    public void Dispose()
    {
        if (Directory.Exists(_runDir))
        {
            Directory.Delete(_runDir, recursive: true);
        }
    }
}
