using System.Text.Json;
using Ax.Contracts;

namespace Ax.Tests.EndToEnd;

/// <summary>
/// The built-in DNS server with real resolvers: glibc (getent, python, curl) and dig, reading the
/// resolv.conf ax mounts for the app. Forwarding goes to a DNS server the test runs in the node's own
/// namespace; nothing is sent anywhere else (the node has no default route).
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class DnsTests
{
    private const string PythonLookup = "import socket; print(sorted({a[4][0] for a in socket.getaddrinfo('web', 8000, socket.AF_INET)})[0])";

    [Fact]
    public void Name_WithoutIp_ResolvesForGetentDigAndPython_ToTheAddressAxMadeUp()
    {
        using var node = TestNode.Create();
        node.StartApp("--name", "web", "--", "python3", Scripts.Path("serve_text.py"), "8000", "named");
        string ip = WaitForAppIp(node, "web");

        var getent = node.Ax("run", "--", "getent", "hosts", "web");
        var digShort = node.Ax("run", "--", "dig", "+short", "web");
        var digFull = node.Ax("run", "--", "dig", "+short", "WEB.appswitch.local");
        var digTcp = node.Ax("run", "--", "dig", "+short", "+tcp", "web.appswitch.local");
        var python = node.Ax("run", "--", "python3", "-c", PythonLookup);

        Assert.StartsWith("198.1", ip); // 198.18.0.0/15, the made-up range
        Assert.True(getent.ExitCode == 0, getent.ToString());
        Assert.StartsWith(ip + " ", getent.Stdout.Trim().Replace("  ", " ", StringComparison.Ordinal).Split('\n')[0] + " ");
        Assert.Equal(ip, digShort.Stdout.Trim());
        Assert.Equal(ip, digFull.Stdout.Trim());
        Assert.Equal(ip, digTcp.Stdout.Trim());
        Assert.Equal(ip, python.Stdout.Trim());
    }

    [Fact]
    public void Curl_ByName_ReachesAServerStartedWithOnlyAName()
    {
        using var node = TestNode.Create();
        node.StartApp("--name", "web", "--", "python3", "-m", "http.server", "8000");
        string ip = WaitForAppIp(node, "web");
        node.WaitForServers($"{ip}:8000");

        var byName = node.Ax("run", "--", "curl", "-sI", "web:8000");
        var byFullName = node.Ax("run", "--", "curl", "-sI", "http://web.appswitch.local:8000/");

        Assert.True(byName.ExitCode == 0, byName.ToString() + node.DescribeProcesses());
        Assert.StartsWith("HTTP/1.0 200 OK", byName.Stdout);
        Assert.StartsWith("HTTP/1.0 200 OK", byFullName.Stdout);
    }

    [Fact]
    public void SeedFlow_NginxWithName_AnswersCurlByNameOnPort80()
    {
        using var node = TestNode.Create();
        string config = Nginx.WriteConfig(node, port: 80, body: "hello by name");
        node.StartApp("--name", "web", "nginx", "-c", config, "-g", "daemon off;");
        string ip = WaitForAppIp(node, "web");
        node.WaitForServers($"{ip}:80");

        var result = node.Ax("run", "--", "curl", "-s", "web");

        Assert.True(result.ExitCode == 0, result.ToString() + node.DescribeProcesses());
        Assert.Contains("hello by name", result.Stdout);
    }

    [Fact]
    public void NameWithIp_ResolvesToThatIp()
    {
        using var node = TestNode.Create();
        node.StartApp("--ip", "1.1.1.1", "--name", "webserver", "--", "python3", Scripts.Path("serve_text.py"), "8000", "by ip");
        node.WaitForServers("1.1.1.1:8000");

        var result = node.Ax("run", "--", "curl", "-s", "webserver:8000");

        Assert.Equal("by ip", result.Stdout.Trim());
    }

    [Fact]
    public void UnknownAxName_IsNxDomain_AndAaaaOfAnAxName_IsEmpty()
    {
        using var node = TestNode.Create();
        node.StartApp("--name", "web", "--", "sleep", "60");
        WaitForAppIp(node, "web");

        var unknown = node.Ax("run", "--", "dig", "nosuch.appswitch.local");
        var aaaa = node.Ax("run", "--", "dig", "AAAA", "web.appswitch.local");
        var getent = node.Ax("run", "--", "getent", "hosts", "nosuch.appswitch.local");

        Assert.Contains("status: NXDOMAIN", unknown.Stdout);
        Assert.Contains("status: NOERROR", aaaa.Stdout);
        Assert.Contains("ANSWER: 0", aaaa.Stdout);
        Assert.Equal(2, getent.ExitCode); // getent: key not found
    }

    [Fact]
    public void OutsideName_IsForwardedToTheDnsServersGiven()
    {
        using var node = TestNode.Create(startDaemon: false);
        var upstream = node.Start(["python3", "-u", Scripts.Path("dns_forwarder.py"), node.NodeIp, "5533", "outside.example", "192.0.2.7"], ax: false);
        Wait.Until(() => upstream.Output.Contains("ready"), TimeSpan.FromSeconds(10), () => upstream.Output);
        node.StartDaemon("--dns-servers", $"{node.NodeIp}:5533");

        var dig = node.Ax("run", "--", "dig", "+short", "outside.example");
        var getent = node.Ax("run", "--", "getent", "hosts", "outside.example");
        var missing = node.Ax("run", "--", "dig", "missing.example");

        Assert.Equal("192.0.2.7", dig.Stdout.Trim());
        Assert.True(getent.ExitCode == 0, getent.ToString() + upstream.Output);
        Assert.StartsWith("192.0.2.7", getent.Stdout);
        Assert.Contains("status: NXDOMAIN", missing.Stdout);
        Assert.Contains("asked outside.example type 1", upstream.Output);
    }

    [Fact]
    public void OutsideName_WithNoForwarders_IsServFail()
    {
        using var node = TestNode.Create(true, "--dns-servers", "");

        var dig = node.Ax("run", "--", "dig", "+tries=1", "outside.example");

        Assert.Contains("status: SERVFAIL", dig.Stdout);
    }

    [Fact]
    public void DnsOverride_GivesTheAppAxsResolvConf_AndLeavesTheHostsFileAlone()
    {
        using var node = TestNode.Create();
        string hostBefore = File.ReadAllText("/etc/resolv.conf");
        var hostInfoBefore = new FileInfo("/etc/resolv.conf");
        DateTime writtenBefore = hostInfoBefore.LastWriteTimeUtc;
        var inNodeWithoutAx = node.Run(["cat", "/etc/resolv.conf"]);

        var overridden = node.Ax("run", "--", "cat", "/etc/resolv.conf");
        var kept = node.Ax("run", "--dns-override=false", "--", "cat", "/etc/resolv.conf");
        var keptSharedNetns = node.Ax("run", "--new-netns=false", "--dns-override=false", "--", "cat", "/etc/resolv.conf");
        var writeAttempt = node.Ax("run", "--", "sh", "-c", "echo nameserver 10.9.9.9 >> /etc/resolv.conf");

        Assert.Contains("nameserver 127.0.0.11", overridden.Stdout);
        Assert.Contains("search appswitch.local", overridden.Stdout);
        Assert.Equal(inNodeWithoutAx.Stdout, kept.Stdout);
        Assert.Equal(inNodeWithoutAx.Stdout, keptSharedNetns.Stdout);
        Assert.NotEqual(0, writeAttempt.ExitCode); // read-only for the app
        Assert.Equal(hostBefore, File.ReadAllText("/etc/resolv.conf"));
        Assert.Equal(writtenBefore, new FileInfo("/etc/resolv.conf").LastWriteTimeUtc);
        Assert.DoesNotContain("127.0.0.11", File.ReadAllText("/etc/resolv.conf"));
        Assert.DoesNotContain(" /etc/resolv.conf ", File.ReadAllText("/proc/self/mountinfo"));
    }

    [Fact]
    public void DnsOverrideFalse_AppKeepsTheHostsResolver_AndAxNamesDoNotResolve()
    {
        using var node = TestNode.Create();
        node.StartApp("--name", "web", "--", "sleep", "60");
        WaitForAppIp(node, "web");

        var result = node.Ax("run", "--dns-override=false", "--", "getent", "hosts", "web");

        Assert.NotEqual(0, result.ExitCode);
    }

    [Fact]
    public void MalformedPackets_AreSurvived_AndTheServerStillAnswers()
    {
        using var node = TestNode.Create();
        node.StartApp("--name", "web", "--", "sleep", "60");
        string ip = WaitForAppIp(node, "web");

        var probe = node.Run(["python3", Scripts.Path("dns_probe.py"), "127.0.0.11", "web.appswitch.local"]);
        var after = node.Ax("run", "--", "dig", "+short", "web");

        Assert.True(probe.ExitCode == 0, probe.ToString());
        Assert.Contains($"answer: {ip}", probe.Stdout);
        Assert.DoesNotContain("answered 0", probe.Stdout); // nothing hostile got a real answer
        Assert.Equal(ip, after.Stdout.Trim());
        Assert.False(node.Daemon!.HasExited, node.Daemon.Output);
    }

    [Fact]
    public void TwoAppsWithOneName_ShareTheMadeUpAddress_AndTheNameGoesWithTheLastOfThem()
    {
        using var node = TestNode.Create();
        var first = node.StartApp("--name", "web", "--", "python3", Scripts.Path("serve_text.py"), "8000", "a");
        string ip = WaitForAppIp(node, "web");
        node.StartApp("--name", "web", "--", "python3", Scripts.Path("serve_text.py"), "8000", "b");
        node.WaitForServers($"{ip}:8000", count: 2);

        var answers = node.Ax("run", "--", "sh", "-c", "for i in $(seq 30); do curl -s web:8000; done");

        Assert.Contains("a", answers.Stdout.Split('\n'));
        Assert.Contains("b", answers.Stdout.Split('\n'));
    }

    [Fact]
    public void Name_WhenTheDaemonRunsWithoutDns_IsRefusedWithTheReason()
    {
        using var node = TestNode.Create(true, "--dns=false");

        var named = node.Ax("run", "--name", "web", "--", "true");
        var resolv = node.Ax("run", "--", "cat", "/etc/resolv.conf");

        Assert.Equal(2, named.ExitCode);
        Assert.Contains("--name needs the daemon's built-in DNS server", named.Stderr);
        Assert.DoesNotContain("127.0.0.11", resolv.Stdout);
    }

    /// <summary>
    /// A user other than root may not mount ax's resolv.conf for the app, which keeps the host's file; the
    /// daemon sends the queries to the nameservers in it to ax's server instead, so ax names resolve all the
    /// same. Only --dns-override=false leaves the app's queries alone (not asked here: the host's nameserver
    /// is not for test traffic).
    /// </summary>
    [Fact]
    public void NonRootWithSharedNamespace_KeepsTheHostsResolverFile_AndStillResolvesAxNames()
    {
        using var node = TestNode.Create();
        node.StartApp("--ip", "3.3.3.3", "--name", "web", "--", "python3", Scripts.Path("serve_text.py"), "80", "hello");
        node.WaitForServers("3.3.3.3:80");
        string[] asNobody = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", AxBinary.Path, "run", "--new-netns=false"];

        var file = node.Run([.. asNobody, "--", "cat", "/etc/resolv.conf"]);
        var kept = node.Run([.. asNobody, "--dns-override=false", "--", "cat", "/etc/resolv.conf"]);
        var resolved = node.Run([.. asNobody, "--", "getent", "hosts", "web"]);

        Assert.True(file.ExitCode == 0, file.ToString());
        Assert.DoesNotContain("127.0.0.11", file.Stdout);
        Assert.Equal(File.ReadAllText("/etc/resolv.conf"), file.Stdout);
        Assert.Equal(file.Stdout, kept.Stdout);
        Assert.Equal(string.Empty, file.Stderr);
        Assert.True(resolved.ExitCode == 0, resolved.ToString());
        Assert.StartsWith("3.3.3.3 ", resolved.Stdout);
    }

    [Fact]
    public void DnsAddressTaken_DefaultDaemonWarnsAndRuns_ExplicitDnsStops()
    {
        using var node = TestNode.Create(startDaemon: false);
        var squatter = node.Start(["python3", "-u", "-c", "import socket, time; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.11', 53)); print('ready'); time.sleep(120)"], ax: false);
        Wait.Until(() => squatter.Output.Contains("ready"), TimeSpan.FromSeconds(10), () => squatter.Output);

        var explicitDns = node.Ax("daemon", "--dns");
        node.StartDaemon();
        var named = node.Ax("run", "--name", "web", "--", "true");
        var plain = node.Ax("run", "--", "cat", "/etc/resolv.conf");

        Assert.Equal(1, explicitDns.ExitCode);
        Assert.Contains("the DNS server cannot listen on 127.0.0.11:53", explicitDns.Stderr);
        Assert.Contains("--dns=false", explicitDns.Stderr);
        Assert.Contains("the DNS server cannot listen on 127.0.0.11:53", node.Daemon!.Output);
        Assert.Equal(2, named.ExitCode);
        Assert.Contains("not running", named.Stderr);
        Assert.True(plain.ExitCode == 0, plain.ToString());
        Assert.DoesNotContain("127.0.0.11", plain.Stdout);
    }

    [Theory]
    [InlineData("--dns-servers", "8.8.8", "invalid --dns-servers entry '8.8.8'")]
    [InlineData("--dns-servers", "1.2.3.4:0", "invalid --dns-servers entry '1.2.3.4:0'")]
    [InlineData("--dns-domain", "bad..domain", "invalid --dns-domain 'bad..domain'")]
    public void InvalidDnsFlags_AreRefusedInOneLine(string flag, string value, string expected)
    {
        using var node = TestNode.Create(startDaemon: false);

        var result = node.Ax("daemon", flag, value);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Stderr);
        Assert.Single(result.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public void InvalidName_IsRefusedBeforeTheAppStarts()
    {
        using var node = TestNode.Create();

        var result = node.Ax("run", "--name", "web.example", "--", "sh", "-c", "echo started");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("invalid --name 'web.example'", result.Stderr);
        Assert.DoesNotContain("started", result.Stdout);
    }

    [Fact]
    public void DnsDomain_ChangesTheSuffix()
    {
        using var node = TestNode.Create(true, "--dns-domain", "corp.test");
        node.StartApp("--name", "web", "--", "sleep", "60");
        string ip = WaitForAppIp(node, "web");

        var result = node.Ax("run", "--", "dig", "+short", "web.corp.test");
        var resolv = node.Ax("run", "--", "cat", "/etc/resolv.conf");

        Assert.Equal(ip, result.Stdout.Trim());
        Assert.Contains("search corp.test", resolv.Stdout);
    }

    private static string WaitForAppIp(TestNode node, string name)
    {
        string ip = string.Empty;
        Wait.Until(
            () =>
            {
                var result = node.Ax("get", "apps", "-o", "json");
                AppInfo[] apps = result.ExitCode == 0 ? JsonSerializer.Deserialize(result.Stdout, AxJsonContext.Default.AppInfoArray)! : [];
                ip = apps.FirstOrDefault(a => a.Name == name)?.AppIp ?? string.Empty;
                return ip.Length > 0;
            },
            TimeSpan.FromSeconds(15),
            () => $"app {name} did not appear:\n{node.DescribeProcesses()}");
        return ip;
    }
}
