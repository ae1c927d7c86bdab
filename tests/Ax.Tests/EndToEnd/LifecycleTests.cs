namespace Ax.Tests.EndToEnd;

/// <summary>
/// Services leave the table when their app exits or closes its listener. How fast is a benchmark's
/// question; here the bound is only generous enough to fail when removal does not happen.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class LifecycleTests
{
    [Fact]
    public void AppExit_RemovesItsServices()
    {
        using var node = TestNode.Create();
        var app = node.StartApp("--ip", "1.1.1.1", "python3", Scripts.Path("serve_text.py"), "8000", "x");
        node.WaitForServers("1.1.1.1:8000");

        app.Signal(9);
        Wait.Until(() => node.Servers().Length == 0, TimeSpan.FromSeconds(5), () => node.Ax("get", "servers").Stdout);

        Wait.Until(() => !node.Ax("get", "apps").Stdout.Contains("1.1.1.1"), TimeSpan.FromSeconds(5), () => node.Ax("get", "apps").Stdout);
    }

    [Fact]
    public void ClosingAListener_RemovesItsService_WhileTheAppRuns()
    {
        using var node = TestNode.Create();
        var app = node.StartApp("--ip", "1.1.1.1", "python3", Scripts.Path("listen_then_close.py"), "8000");
        node.WaitForServers("1.1.1.1:8000");

        app.CloseInput();
        Wait.Until(() => app.Output.Contains("closed"), TimeSpan.FromSeconds(5), () => app.Output);
        Wait.Until(() => node.Servers().Length == 0, TimeSpan.FromSeconds(5), () => node.Ax("get", "servers").Stdout);

        Assert.False(app.HasExited);
        Assert.Contains("1.1.1.1", node.Ax("get", "apps").Stdout);
    }
}
