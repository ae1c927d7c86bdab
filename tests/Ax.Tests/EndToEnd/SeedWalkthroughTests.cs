namespace Ax.Tests.EndToEnd;

/// <summary>
/// The seed's single-node walkthrough (001: "Functionality Overview", "Run the server without Docker",
/// "Ingress Gateway", "Virtual Services"), replayed step by step with the same commands: what a user
/// following the guide types, and what they would see.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class SeedWalkthroughTests
{
    [Fact]
    public void FunctionalityOverview_IpNameLoadBalancingAndLabels()
    {
        using var node = TestNode.Create();

        // $ ax run --ip 1.1.1.1 nginx -g 'daemon off;'
        string config = Nginx.WriteConfig(node, port: 80, body: "nginx one");
        node.StartApp("--ip", "1.1.1.1", "nginx", "-c", config, "-g", "daemon off;");
        node.WaitForServers("1.1.1.1:80");

        // $ ax run --ip 2.2.2.2 curl -I 1.1.1.1    -> HTTP/1.1 200 OK, Server: nginx
        var head = node.Ax("run", "--ip", "2.2.2.2", "curl", "-sI", "1.1.1.1");
        Assert.StartsWith("HTTP/1.1 200 OK", head.Stdout);
        Assert.Contains("Server: nginx", head.Stdout);

        // $ ax run -- curl -I 1.1.1.1    (a client needs no IP)
        Assert.StartsWith("HTTP/1.1 200 OK", node.Ax("run", "--", "curl", "-sI", "1.1.1.1").Stdout);

        // $ ax run --name web nginx -g 'daemon off;'   then   $ ax run -- curl -I web
        string named = Nginx.WriteConfig(node, port: 80, body: "nginx by name");
        node.StartApp("--name", "web", "nginx", "-c", named, "-g", "daemon off;");
        Wait.Until(() => node.Ax("run", "--", "curl", "-s", "web").Stdout.Trim() == "nginx by name", TimeSpan.FromSeconds(20),
            () => node.Ax("run", "--", "curl", "-sS", "web").ToString());

        // Another server on the same IP: connections are load balanced across both.
        node.StartApp("--ip", "1.1.1.1", "python3", Scripts.Path("serve_text.py"), "80", "python two");
        node.WaitForServers("1.1.1.1:80", count: 2);
        var seen = new HashSet<string>();
        for (int i = 0; i < 40 && seen.Count < 2; i++)
        {
            seen.Add(node.Ax("run", "--", "curl", "-s", "1.1.1.1").Stdout.Trim());
        }

        Assert.Equal(["nginx one", "python two"], seen.Order());

        // $ ax run --ip 3.3.3.3 --labels role=prod ... & $ ax run --ip 3.3.3.3 --labels role=test ... &
        node.StartApp("--ip", "3.3.3.3", "--labels", "role=prod", "python3", Scripts.Path("serve_text.py"), "80", "prod");
        node.StartApp("--ip", "3.3.3.3", "--labels", "role=test", "python3", Scripts.Path("serve_text.py"), "80", "test");
        node.WaitForServers("3.3.3.3:80", count: 2);

        // $ ax get servers    -> both, with the seed's columns
        string servers = node.Ax("get", "servers").Stdout;
        Assert.StartsWith("NODEID", servers);
        Assert.Contains("SERVICEADDR", servers);
        Assert.Equal(2, servers.Split('\n').Count(l => l.Contains("3.3.3.3:80", StringComparison.Ordinal)));

        // A role=test client only ever reaches the role=test server; a naked client reaches neither.
        for (int i = 0; i < 6; i++)
        {
            Assert.Equal("test", node.Ax("run", "--labels", "role=test", "--", "curl", "-s", "3.3.3.3").Stdout.Trim());
        }

        var naked = node.Ax("run", "--", "curl", "-sS", "3.3.3.3");
        Assert.Equal(7, naked.ExitCode); // curl: couldn't connect
    }

    [Fact]
    public void WithoutDocker_IngressGateway_AndVirtualServices()
    {
        using var node = TestNode.Create();

        // $ sudo ax run --ip 1.1.1.1 --name webserver python -m SimpleHTTPServer 8000 &
        node.StartApp("--ip", "1.1.1.1", "--name", "webserver", "python3", "-m", "http.server", "8000", "--directory", node.WorkDir);
        node.WaitForServers("1.1.1.1:8000");

        // $ sudo ax run -- curl -I webserver:8000    and    $ sudo ax run -- curl -I 1.1.1.1:8000
        Assert.StartsWith("HTTP/1.0 200 OK", node.Ax("run", "--", "curl", "-sI", "webserver:8000").Stdout);
        Assert.StartsWith("HTTP/1.0 200 OK", node.Ax("run", "--", "curl", "-sI", "1.1.1.1:8000").Stdout);

        // Ingress: $ sudo ax run --ip 1.1.1.1 --name webserver --expose 8000:NODE-IP:10000 python ... 8000 &
        //          $ curl -I NODE-IP:10000    (not under ax)
        node.StartApp("--ip", "1.1.1.2", "--name", "ingress", "--expose", $"8000:{node.NodeIp}:10000",
            "python3", Scripts.Path("serve_text.py"), "8000", "exposed");
        node.WaitForServers("1.1.1.2:8000");
        var plain = node.Run(["curl", "-s", $"{node.NodeIp}:10000"]);
        Assert.Equal("exposed", plain.Stdout.Trim());

        // Virtual services: a server without an IP ...
        //   $ sudo ax run -- python -m SimpleHTTPServer 8000
        node.StartApp("python3", Scripts.Path("serve_text.py"), "9000", "no ip");
        node.WaitForServers($"{node.NodeIp}:9000");

        //   $ ax get apps    -> its APPIP is the node's, with the default labels and zones
        string apps = node.Ax("get", "apps").Stdout;
        Assert.StartsWith("NAME", apps);
        string row = apps.Split('\n').Single(l => l.Contains($" {node.NodeIp} ", StringComparison.Ordinal));
        Assert.Contains("zone=default", row);
        Assert.Contains("[zone==default]", row);

        //   $ ax create vservice --ip 5.5.5.5 --backends NODE-IP --expose 8000:9000 myvsvc
        var created = node.Ax("create", "vservice", "--ip", "5.5.5.5", "--backends", node.NodeIp, "--expose", "8000:9000", "myvsvc");
        Assert.Equal(0, created.ExitCode);
        Assert.Equal("Service 'myvsvc' created successfully with IP '5.5.5.5'.", created.Stdout.Trim());

        //   $ ax get vservices    -> VSNAME VSTYPE VSIP VSPORTS VSBACKENDIPS
        string vservices = node.Ax("get", "vservices").Stdout;
        Assert.StartsWith("VSNAME", vservices);
        Assert.Matches($@"myvsvc\s+Random\s+5\.5\.5\.5\s+\[\{{8000 9000\}}\]\s+\[{node.NodeIp.Replace(".", "\\.")}\]", vservices);

        //   $ sudo ax run -- curl -I myvsvc:8000    and    $ sudo ax run -- curl -I 5.5.5.5:8000
        Assert.Equal("no ip", node.Ax("run", "--", "curl", "-s", "myvsvc:8000").Stdout.Trim());
        Assert.Equal("no ip", node.Ax("run", "--", "curl", "-s", "5.5.5.5:8000").Stdout.Trim());
    }
}
