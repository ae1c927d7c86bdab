using System.Text.Json;
using Ax.Contracts;

namespace Ax.Tests.EndToEnd;

/// <summary>Virtual services (seed 001 "Virtual Services", seed 003 "Create vservice"), with real python servers and curl.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class VServiceTests
{
    [Fact]
    public void SeedFlow_ServerWithoutIp_IsReachedAtTheVServiceIp_AndListedWithTheSeedsColumns()
    {
        using var node = TestNode.Create();
        node.StartApp("--", "python3", Scripts.Path("serve_text.py"), "10000", "seed server");
        node.WaitForServers($"{node.NodeIp}:10000");

        var created = node.Ax("create", "vservice", "--ip", "1.1.1.1", "--backends", node.NodeIp, "--expose", "8000:10000", "myvsvc");
        var table = node.Ax("get", "vservices");
        var viaVip = node.Ax("run", "--", "curl", "-sS", "1.1.1.1:8000/");

        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Equal("Service 'myvsvc' created successfully with IP '1.1.1.1'.", created.Stdout.Trim());
        var lines = table.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^VSNAME\s+VSTYPE\s+VSIP\s+VSPORTS\s+VSBACKENDIPS$", lines[0]);
        Assert.Matches($@"^myvsvc\s+Random\s+1\.1\.1\.1\s+\[\{{8000 10000\}}\]\s+\[{node.NodeIp.Replace(".", "\\.")}\]$", lines[2]);
        Assert.True(viaVip.ExitCode == 0, viaVip.ToString() + node.DescribeProcesses());
        Assert.Equal("seed server", viaVip.Stdout.Trim());
    }

    [Fact]
    public void RoundRobin_OverThreeBackends_AnswersInStrictRotation()
    {
        using var node = TestNode.Create();
        foreach (string backend in (string[])["a", "b", "c"])
        {
            string ip = backend switch { "a" => "2.2.2.1", "b" => "2.2.2.2", _ => "2.2.2.3" };
            node.StartApp("--ip", ip, "python3", Scripts.Path("serve_text.py"), "80", $"server-{backend}");
            node.WaitForServers($"{ip}:80");
        }

        var created = node.Ax("create", "vservice", "rr", "--ip", "1.1.1.1", "--backends", "2.2.2.1,2.2.2.2,2.2.2.3", "--ports", "80:80", "--lbtype", "RoundRobin");
        var answers = node.Ax("run", "--", "sh", "-c", "for i in 1 2 3 4 5 6; do curl -sS 1.1.1.1/; done");

        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.True(answers.ExitCode == 0, answers.ToString());
        Assert.Equal(
            ["server-a", "server-b", "server-c", "server-a", "server-b", "server-c"],
            answers.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void RoundRobin_RotatesOverEveryServerBehindABackend_NotOverTheListedAddresses()
    {
        // Found by a new user: one backend IP with three servers behind it used to go b a a a b b.
        using var node = TestNode.Create();
        foreach (string name in (string[])["a1", "a2", "a3"])
        {
            node.StartApp("--ip", "2.2.2.1", "python3", Scripts.Path("serve_text.py"), "80", $"server-{name}");
        }

        node.StartApp("--ip", "2.2.2.2", "python3", Scripts.Path("serve_text.py"), "80", "server-b");
        Wait.Until(() => node.Ax("get", "servers").Stdout.Split('\n').Count(l => l.Contains("2.2.2.1:80", StringComparison.Ordinal)) == 3, TimeSpan.FromSeconds(20), () => node.Ax("get", "servers").Stdout);
        node.WaitForServers("2.2.2.2:80");

        var created = node.Ax("create", "vservice", "rr", "--ip", "1.1.1.1", "--backends", "2.2.2.1,2.2.2.2", "--ports", "80:80", "--lbtype", "RoundRobin");
        var answers = node.Ax("run", "--", "sh", "-c", "for i in 1 2 3 4 5 6 7 8; do curl -sS 1.1.1.1/; echo; done");

        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.True(answers.ExitCode == 0, answers.ToString());
        string[] order = answers.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(8, order.Length);
        Assert.Equal(["server-a1", "server-a2", "server-a3", "server-b"], order.Take(4).Order());
        Assert.Equal(order.Take(4), order.Skip(4));
    }

    [Fact]
    public void ExternalBackend_IpAndPortOfAPlainServer_IsDialledDirectly()
    {
        using var node = TestNode.Create();
        StartPlainServer(node, 9000, "plain backend");

        var created = node.Ax("create", "vservice", "ext", "--ip", "1.1.1.1", "--backends", $"{node.NodeIp}:9000", "--ports", "8000:8000");
        var result = node.Ax("run", "--", "curl", "-sS", "1.1.1.1:8000/");

        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("plain backend", result.Stdout.Trim());
    }

    [Fact]
    public void ExternalVService_IsReachedByPlainCurlAtTheNodeIp_ListedAsAProxy_AndGoneAfterDelete()
    {
        using var node = TestNode.Create();
        node.StartApp("--ip", "2.2.2.2", "python3", Scripts.Path("serve_text.py"), "80", "behind the proxy");
        node.WaitForServers("2.2.2.2:80");

        var created = node.Ax("create", "vservice", "web", "--ip", "1.1.1.1", "--backends", "2.2.2.2", "--ports", "8080:80", "--external");
        var plain = node.Run(["curl", "-sS", $"{node.NodeIp}:8080/"]);
        var proxies = node.Ax("get", "proxies");
        var wide = node.Ax("get", "proxies", "-o", "wide");
        var deleted = node.Ax("delete", "vservice", "web");
        var afterDelete = node.Run(["curl", "-sS", $"{node.NodeIp}:8080/"]);

        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.True(plain.ExitCode == 0, plain.ToString() + node.DescribeProcesses());
        Assert.Equal("behind the proxy", plain.Stdout.Trim());
        var lines = proxies.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^ID\s+PROTO\s+LISTENER\s+DIALERS$", lines[0]);
        Assert.Matches($@"^\d+\s+tcp\s+{node.NodeIp.Replace(".", "\\.")}:8080\s+\[0\.0\.0\.0:0\]$", lines[2]);
        Assert.Contains("vservice/web", wide.Stdout);
        Assert.True(deleted.ExitCode == 0, deleted.ToString());
        Assert.Equal(7, afterDelete.ExitCode); // curl: couldn't connect
        Assert.Equal(2, node.Ax("get", "proxies").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Theory]
    [InlineData("blocking")]
    [InlineData("nonblocking")]
    public void GetPeerName_ThroughAVService_ShowsTheVipAndPortTheAppDialled(string mode)
    {
        using var node = TestNode.Create();
        node.StartApp("--ip", "2.2.2.2", "python3", Scripts.Path("serve_text.py"), "80", "ax backend");
        node.WaitForServers("2.2.2.2:80");
        StartPlainServer(node, 9000, "plain backend");
        Assert.Equal(0, node.Ax("create", "vservice", "to-ax", "--ip", "1.1.1.1", "--backends", "2.2.2.2", "--ports", "8000:80").ExitCode);
        Assert.Equal(0, node.Ax("create", "vservice", "to-plain", "--ip", "1.1.1.2", "--backends", $"{node.NodeIp}:9000", "--ports", "8000:8000").ExitCode);

        var toAx = node.Ax("run", "--", "python3", Scripts.Path("connect_probe.py"), "1.1.1.1", "8000", mode);
        var toPlain = node.Ax("run", "--", "python3", Scripts.Path("connect_probe.py"), "1.1.1.2", "8000", mode);

        Assert.Contains("\"peer\": [\"1.1.1.1\", 8000]", toAx.Stdout);
        Assert.Contains("\"body\": \"ax backend\"", toAx.Stdout);
        Assert.Contains("\"peer\": [\"1.1.1.2\", 8000]", toPlain.Stdout);
        Assert.Contains("\"body\": \"plain backend\"", toPlain.Stdout);
    }

    [Fact]
    public void SourceIp_IsTheAddressBackendsSeeConnectsFrom_ForAppsAndForTheNodeProxy()
    {
        using var node = TestNode.Create();
        string sourceIp = node.NodeIp[..node.NodeIp.LastIndexOf('.')] + ".2";
        Shell.Check($"ip -n {node.Name} addr add {sourceIp}/24 dev v0");
        var server = node.Start(["python3", Scripts.Path("names_server.py"), "9000"], ax: false);
        Wait.Until(() => server.Output.Contains("listening"), TimeSpan.FromSeconds(10), () => "the plain server did not start: " + server.Output);

        var created = node.Ax("create", "vservice", "src", "--ip", "1.1.1.1", "--backends", $"{node.NodeIp}:9000", "--ports", "8000:9000,8083:9000", "--external", "--source-ip", sourceIp);
        var fromApp = node.Ax("run", "--", "python3", Scripts.Path("names_client.py"), "1.1.1.1", "8000");
        var fromProxy = node.Run(["python3", Scripts.Path("names_client.py"), node.NodeIp, "8083"]);
        var notOurs = node.Ax("create", "vservice", "src2", "--ip", "1.1.1.2", "--backends", $"{node.NodeIp}:9000", "--ports", "8000:9000", "--source-ip", "10.99.99.99");

        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.True(fromApp.ExitCode == 0, fromApp.ToString() + node.DescribeProcesses());
        Assert.Contains($"\"accepted_from\": [\"{sourceIp}\"", fromApp.Stdout);
        Assert.Contains("\"peer\": [\"1.1.1.1\", 8000]", fromApp.Stdout);
        Assert.True(fromProxy.ExitCode == 0, fromProxy.ToString() + node.DescribeProcesses());
        Assert.Contains($"\"accepted_from\": [\"{sourceIp}\"", fromProxy.Stdout);
        Assert.Equal(1, notOurs.ExitCode);
        Assert.Contains("invalid --source-ip '10.99.99.99': it is not an address of this node", notOurs.Stderr);
    }

    [Fact]
    public void ExternalVService_ABackendThatResets_DoesNotLeaveThePlainClientHanging()
    {
        using var node = TestNode.Create();

        // names_server.py answers and closes without reading the request: the kernel resets the connection.
        var server = node.Start(["python3", Scripts.Path("names_server.py"), "9000"], ax: false);
        Wait.Until(() => server.Output.Contains("listening"), TimeSpan.FromSeconds(10), () => "the plain server did not start: " + server.Output);
        Assert.Equal(0, node.Ax("create", "vservice", "rst", "--ip", "1.1.1.1", "--backends", $"{node.NodeIp}:9000", "--ports", "8084:9000", "--external").ExitCode);

        var results = Enumerable.Range(0, 5)
            .Select(_ => node.Run(["curl", "-s", "--http0.9", "--max-time", "20", "-d", new string('x', 100000), $"{node.NodeIp}:8084/"]))
            .ToArray();

        Assert.All(results, r => Assert.True(r.ExitCode is not (28 or -1), "curl hung: " + r));
    }

    [Fact]
    public void Delete_StopsRouting_AndAnUnknownNameIsOneSentence()
    {
        using var node = TestNode.Create();
        StartPlainServer(node, 9000, "plain backend");
        Assert.Equal(0, node.Ax("create", "vservice", "gone", "--ip", "1.1.1.1", "--backends", $"{node.NodeIp}:9000", "--ports", "8000:9000").ExitCode);
        Assert.Equal(0, node.Ax("run", "--", "curl", "-sS", "1.1.1.1:8000/").ExitCode);

        var deleted = node.Ax("delete", "vservice", "gone");
        var after = node.Ax("run", "--", "curl", "-sS", "--max-time", "5", "1.1.1.1:8000/");
        var unknown = node.Ax("delete", "vservice", "gone");

        Assert.True(deleted.ExitCode == 0, deleted.ToString());
        Assert.NotEqual(0, after.ExitCode);
        Assert.DoesNotContain("plain backend", after.Stdout);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Equal("ax: no vservice named 'gone'; 'ax get vservices' lists them", unknown.Stderr.Trim());
        Assert.Equal(2, node.Ax("get", "vservices").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void State_SurvivesADaemonRestart_StillRouting_AndCleanRemovesIt()
    {
        using var node = TestNode.Create();
        StartPlainServer(node, 9000, "plain backend");
        Assert.Equal(0, node.Ax("create", "vservice", "kept", "--ip", "1.1.1.1", "--backends", $"{node.NodeIp}:9000", "--ports", "8000:9000", "--lbtype", "roundrobin").ExitCode);
        Assert.Equal(0, node.Ax("create", "vservice", "kept-ext", "--ip", "1.1.1.2", "--backends", $"{node.NodeIp}:9000", "--ports", "8081:9000", "--external").ExitCode);

        node.StopDaemon();
        node.StartDaemon();
        var listed = JsonSerializer.Deserialize(node.Ax("get", "vservices", "-o", "json").Stdout, AxJsonContext.Default.VServiceInfoArray)!;
        var viaVip = node.Ax("run", "--", "curl", "-sS", "1.1.1.1:8000/");
        var viaProxy = node.Run(["curl", "-sS", $"{node.NodeIp}:8081/"]);

        Assert.Equal(["kept", "kept-ext"], listed.Select(v => v.Name));
        Assert.Equal("RoundRobin", listed[0].LbType);
        Assert.True(listed[1].External);
        Assert.True(viaVip.ExitCode == 0, viaVip.ToString() + node.DescribeProcesses());
        Assert.Equal("plain backend", viaVip.Stdout.Trim());
        Assert.True(viaProxy.ExitCode == 0, viaProxy.ToString());
        Assert.Equal("plain backend", viaProxy.Stdout.Trim());

        node.StopDaemon();
        node.StartDaemon("--clean");
        Assert.Equal("[]", node.Ax("get", "vservices", "-o", "json").Stdout.Trim());
        Assert.Equal(7, node.Run(["curl", "-sS", $"{node.NodeIp}:8081/"]).ExitCode);
    }

    [Fact]
    public void CorruptStateFile_IsIgnoredWithAWarning_AndTheDaemonStarts()
    {
        using var node = TestNode.Create(startDaemon: false);
        Directory.CreateDirectory(Path.Combine(node.RunDir, "state"));
        File.WriteAllText(Path.Combine(node.RunDir, "state", "vservices.json"), "{ not json");

        node.StartDaemon();

        Assert.Equal("[]", node.Ax("get", "vservices", "-o", "json").Stdout.Trim());
        Assert.Contains("ignoring saved state", node.Daemon!.Output);
    }

    [Theory]
    [InlineData("--ip", "1.1.1", "invalid --ip '1.1.1'")]
    [InlineData("--ip", "224.0.0.1", "invalid --ip '224.0.0.1'")]
    [InlineData("--ports", "8000:70000", "invalid port pair '8000:70000'")]
    [InlineData("--ports", "x", "invalid port pair 'x'")]
    [InlineData("--backends", "10.0.0.300", "invalid backend '10.0.0.300'")]
    [InlineData("--lbtype", "LeastConn", "invalid --lbtype 'LeastConn'")]
    public void InvalidInput_IsOneSentence_AndCreatesNothing(string flag, string value, string expected)
    {
        using var node = TestNode.Create();
        var args = new Dictionary<string, string> { ["--ip"] = "1.1.1.1", ["--ports"] = "80:80", ["--backends"] = "2.2.2.2", ["--lbtype"] = "Random" };
        args[flag] = value;

        var result = node.Ax(["create", "vservice", "bad", .. args.SelectMany(a => new[] { a.Key, a.Value })]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"ax: {expected}", result.Stderr.Trim());
        Assert.Single(result.Stderr.Trim().Split('\n'));
        Assert.Equal("[]", node.Ax("get", "vservices", "-o", "json").Stdout.Trim());
    }

    [Fact]
    public void DuplicateName_AndATakenNodePort_AreRefusedWithOneSentence_LeavingNothingHalfMade()
    {
        using var node = TestNode.Create();
        StartPlainServer(node, 9000, "plain");
        Assert.Equal(0, node.Ax("create", "vservice", "one", "--ip", "1.1.1.1", "--backends", "2.2.2.2", "--ports", "80:80").ExitCode);

        var duplicate = node.Ax("create", "vservice", "one", "--ip", "1.1.1.9", "--backends", "2.2.2.2", "--ports", "80:80");
        var portTaken = node.Ax("create", "vservice", "two", "--ip", "1.1.1.2", "--backends", "2.2.2.2", "--ports", "8085:80,9000:80", "--external");

        Assert.Equal(1, duplicate.ExitCode);
        Assert.Contains("a vservice named 'one' already exists", duplicate.Stderr);
        Assert.Equal(1, portTaken.ExitCode);
        Assert.Contains("port 9000 on the node", portTaken.Stderr);
        Assert.Single(portTaken.Stderr.Trim().Split('\n'));
        var listed = JsonSerializer.Deserialize(node.Ax("get", "vservices", "-o", "json").Stdout, AxJsonContext.Default.VServiceInfoArray)!;
        Assert.Equal(["one"], listed.Select(v => v.Name));
        Assert.Equal("[]", node.Ax("get", "proxies", "-o", "json").Stdout.Trim());
        Assert.Equal(7, node.Run(["curl", "-sS", $"{node.NodeIp}:8085/"]).ExitCode);
    }

    [Fact]
    public void RestApi_BadJson_Is400_UnknownName_Is404_EachWithOneSentence()
    {
        using var node = TestNode.Create();
        string socket = Path.Combine(node.RunDir, "api.sock");

        var badJson = node.Run(["curl", "-s", "-w", "\n%{http_code}", "--unix-socket", socket, "-X", "POST", "-H", "Content-Type: application/json", "-d", "{not json", "http://ax/api/v1/vservices"]);
        var noPorts = node.Run(["curl", "-s", "-w", "\n%{http_code}", "--unix-socket", socket, "-X", "POST", "-d", "{\"name\":\"a\",\"ip\":\"1.1.1.1\",\"ports\":[],\"backends\":[\"2.2.2.2\"]}", "http://ax/api/v1/vservices"]);
        var unknown = node.Run(["curl", "-s", "-w", "\n%{http_code}", "--unix-socket", socket, "-X", "DELETE", "http://ax/api/v1/vservices/nope"]);

        Assert.EndsWith("\n400", badJson.Stdout.Trim());
        Assert.Contains("\"error\": \"the request body is not a vservice in JSON", badJson.Stdout);
        Assert.EndsWith("\n400", noPorts.Stdout.Trim());
        Assert.Contains("a vservice needs at least one port", noPorts.Stdout);
        Assert.EndsWith("\n404", unknown.Stdout.Trim());
        Assert.Contains("no vservice named ", unknown.Stdout);
    }

    /// <summary>A server in the node's namespace that does not run under ax.</summary>
    private static void StartPlainServer(TestNode node, int port, string text)
    {
        node.Start(["python3", Scripts.Path("serve_text.py"), port.ToString(System.Globalization.CultureInfo.InvariantCulture), text], ax: false);
        Wait.Until(() => node.Run(["curl", "-s", $"{node.NodeIp}:{port}/"]).ExitCode == 0, TimeSpan.FromSeconds(10), () => "the plain server did not start");
    }
}
