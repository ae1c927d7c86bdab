using System.Text.Json;
using Ax.Contracts;
using Ax.Control;

namespace Ax.Tests.Control;

/// <summary>The launcher's hand-written JSON and the daemon's generated JSON stay the same protocol.</summary>
public sealed class ControlCodecTests
{
    [Fact]
    public void Request_WrittenByTheLauncher_IsReadByTheDaemon_FieldForField()
    {
        var request = new RunRequest("1.1.1.1", "web \"quoted\" ü", ["role=prod", "zone=default"], false, ["nginx", "-g", "daemon off;"], ["8000:9999"]);

        string text = ControlCodec.WriteRequest(request);
        RunRequest? read = JsonSerializer.Deserialize(text, AxJsonContext.Default.RunRequest);

        Assert.NotNull(read);
        Assert.Equal(JsonSerializer.Serialize(request, AxJsonContext.Default.RunRequest), JsonSerializer.Serialize(read, AxJsonContext.Default.RunRequest));
    }

    [Theory]
    [InlineData("back\\slash")]
    [InlineData("tab\there, newline\nthere, return\r")]
    [InlineData("bell\u0007 and nul\u0000 and escape\u001b")]
    [InlineData("quote \" and unicode \u00e9\u4e2d\U0001F600")]
    [InlineData("")]
    public void Request_WithCharactersThatNeedEscaping_ReachesTheDaemonUnchanged(string argument)
    {
        var request = new RunRequest(null, null, ["zone=default"], true, ["sh", "-c", argument], null);

        RunRequest? read = JsonSerializer.Deserialize(ControlCodec.WriteRequest(request), AxJsonContext.Default.RunRequest);

        Assert.NotNull(read);
        Assert.Equal(["sh", "-c", argument], read.Command);
        Assert.Null(read.Ip);
        Assert.Null(read.Expose);
        Assert.True(read.NewNetns);
    }

    [Fact]
    public void Request_WrittenByTheLauncher_HasEveryFieldTheDaemonKnows()
    {
        var request = new RunRequest("1.1.1.1", "web", ["a=b"], true, ["true"], ["1:2"]);
        var generated = Names(JsonSerializer.Serialize(request, AxJsonContext.Default.RunRequest));
        var written = Names(ControlCodec.WriteRequest(request));

        Assert.Equal(generated, written);
    }

    [Fact]
    public void Reply_WrittenByTheDaemon_IsReadByTheLauncher_FieldForField()
    {
        var reply = new RunReply("f0000123", "something went wrong", "10.0.0.1", "/run/ax/resolv.conf");
        string text = JsonSerializer.Serialize(reply, AxJsonContext.Default.RunReply);

        Assert.Equal(reply, ControlCodec.ReadReply(text));
        Assert.Equal(
            Names(text),
            typeof(RunReply).GetProperties().Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name)).Order().ToArray());
    }

    [Theory]
    [InlineData("quote \" backslash \\ slash / tab\t newline\n")]
    [InlineData("html <b>&amp;</b> 'single' + plus")]
    [InlineData("unicode \u00e9\u4e2d\U0001F600 and control \u0001")]
    [InlineData("")]
    public void Reply_WithAnyText_IsReadAsTheDaemonsSerializerWroteIt(string message)
    {
        var reply = new RunReply(null, message, null, "/run/ax dir/resolv.conf");
        string text = JsonSerializer.Serialize(reply, AxJsonContext.Default.RunReply);

        Assert.Equal(reply, ControlCodec.ReadReply(text));
    }

    [Fact]
    public void Reply_WithMembersTheLauncherDoesNotKnow_SkipsThem()
    {
        const string Text = """
            { "future": {"a": [1, -2.5e3, true, false, null, {"b": "}"}], "c": {}}, "appId": "f0000001",
              "list": [], "number": 7, "nodeIp": null, "error": null, "resolvConf": "/r" }
            """;

        Assert.Equal(new RunReply("f0000001", null, null, "/r"), ControlCodec.ReadReply(Text));
        Assert.Equal(new RunReply(null, null, null, null), ControlCodec.ReadReply("{}"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("{\"appId\": ")]
    [InlineData("not json")]
    [InlineData("{\"appId\": \"x\"} trailing")]
    [InlineData("{\"appId\": \"unterminated}")]
    [InlineData("{\"appId\": \"x\",}")]
    [InlineData("{\"appId\" \"x\"}")]
    [InlineData("{\"appId\": nonsense}")]
    [InlineData("{\"appId\": \"bad escape \\q\"}")]
    [InlineData("{\"a\": [1, 2}")]
    public void Reply_ThatIsNotAnObject_IsNull(string text) => Assert.Null(ControlCodec.ReadReply(text));

    private static string[] Names(string json) =>
        JsonDocument.Parse(json).RootElement.EnumerateObject().Select(p => p.Name).Order().ToArray();
}
