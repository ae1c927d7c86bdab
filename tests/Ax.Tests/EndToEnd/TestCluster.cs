using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Ax.Tests.EndToEnd;

/// <summary>
/// Several test nodes on one LAN: a "switch" namespace holding a bridge, and per node a namespace with one
/// veth whose other end is a port of that bridge. Node i has 10.213.S.i/24 on its eth0 (S picked per
/// cluster); no namespace has a default route, so nothing a test sends can leave the switch. Disposing kills
/// every process the cluster started, by pid, and deletes the namespaces (their veths go with them), also
/// when creation failed half-way.
/// </summary>
internal sealed class TestCluster : IDisposable
{
    private static int s_nextSubnet = Random.Shared.Next(0, 50);
    private readonly List<string> _namespaces = [];
    private readonly List<BackgroundProcess> _processes = [];
    private readonly List<ClusterDaemon> _daemons = [];

    private TestCluster(string id, int subnet)
    {
        Id = id;
        Subnet = subnet;
        Switch = $"axs-{id}";
    }

    internal string Id { get; }

    /// <summary>The third octet of every node's address.</summary>
    internal int Subnet { get; }

    /// <summary>The switch's namespace, which holds the bridge br0 and one port per node.</summary>
    internal string Switch { get; }

    internal List<ClusterNode> Nodes { get; } = [];

    internal ClusterNode this[int index] => Nodes[index];

    /// <summary>The daemons <see cref="StartDaemon"/> started, in order.</summary>
    internal IReadOnlyList<ClusterDaemon> Daemons
    {
        get
        {
            lock (_daemons)
            {
                return [.. _daemons];
            }
        }
    }

    /// <summary>Makes the switch and <paramref name="count"/> nodes on it, each with lo and eth0 up.</summary>
    internal static TestCluster Create(int count)
    {
        // 10.213.200-249.x: apart from TestNode's 10.213.1-250.1, though each lives in its own namespaces anyway.
        int subnet = 200 + (Interlocked.Increment(ref s_nextSubnet) % 50);
        var cluster = new TestCluster(Guid.NewGuid().ToString("N")[..6], subnet);
        try
        {
            Shell.Check($"ip netns add {cluster.Switch}");
            cluster._namespaces.Add(cluster.Switch);
            Shell.Check($"ip -n {cluster.Switch} link add br0 type bridge");
            Shell.Check($"ip -n {cluster.Switch} link set br0 up");
            for (int i = 1; i <= count; i++)
            {
                cluster.AddNode();
            }

            foreach (var node in cluster.Nodes)
            {
                Wait.Until(() => cluster.LinkUp(node), TimeSpan.FromSeconds(10), () => $"eth0 in {node.Namespace} did not come up");
            }
        }
        catch
        {
            cluster.Dispose();
            throw;
        }

        return cluster;
    }

    /// <summary>Adds one more node to the switch (a late joiner).</summary>
    internal ClusterNode AddNode()
    {
        int index = Nodes.Count + 1;
        var node = new ClusterNode(this, index, $"axc-{Id}-{index}", IPAddress.Parse($"10.213.{Subnet}.{index}"));
        Shell.Check($"ip netns add {node.Namespace}");
        _namespaces.Add(node.Namespace);
        Shell.Check($"ip -n {Switch} link add {node.Port} type veth peer name eth0 netns {node.Namespace}");
        Shell.Check($"ip -n {Switch} link set {node.Port} master br0 up");
        Shell.Check($"ip -n {node.Namespace} addr add {node.Address}/24 dev eth0");
        Shell.Check($"ip -n {node.Namespace} link set eth0 up");
        Shell.Check($"ip -n {node.Namespace} link set lo up");
        Nodes.Add(node);
        return node;
    }

    /// <summary>Cuts a node off the switch (a partition), or reconnects it.</summary>
    internal void SetConnected(ClusterNode node, bool connected) =>
        Shell.Check($"ip -n {Switch} link set {node.Port} {(connected ? "up" : "down")}");

    /// <summary>Starts a command inside <paramref name="node"/> in the background; it is killed on dispose.</summary>
    internal BackgroundProcess Start(ClusterNode node, params string[] command)
    {
        var startInfo = new ProcessStartInfo("ip") { UseShellExecute = false };
        foreach (string word in (string[])["netns", "exec", node.Namespace, .. command])
        {
            startInfo.ArgumentList.Add(word);
        }

        var process = new BackgroundProcess(startInfo);
        lock (_processes)
        {
            _processes.Add(process);
        }

        return process;
    }

    /// <summary>
    /// Starts <c>ax daemon ARGS</c> in <paramref name="node"/> with its own run directory (see
    /// <see cref="ClusterDaemon"/>); it is killed by its pid on dispose. Does not wait for it to serve.
    /// </summary>
    internal ClusterDaemon StartDaemon(ClusterNode node, params string[] args) => StartDaemon(node, null, args);

    /// <summary>As <see cref="StartDaemon(ClusterNode, string[])"/>, with more environment variables for the daemon.</summary>
    internal ClusterDaemon StartDaemon(ClusterNode node, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var daemon = ClusterDaemon.Start(node, environment, args);
        lock (_daemons)
        {
            _daemons.Add(daemon);
        }

        return daemon;
    }

    /// <summary>Runs a command inside <paramref name="node"/> and waits for it.</summary>
    internal static CommandResult Run(ClusterNode node, params string[] command)
    {
        var startInfo = new ProcessStartInfo("ip");
        foreach (string word in (string[])["netns", "exec", node.Namespace, .. command])
        {
            startInfo.ArgumentList.Add(word);
        }

        return Shell.Run(startInfo, null, TimeSpan.FromSeconds(60));
    }

    private bool LinkUp(ClusterNode node) =>
        Shell.Run(new ProcessStartInfo("ip", ["-n", node.Namespace, "-o", "link", "show", "eth0"]), null, TimeSpan.FromSeconds(10)).Stdout.Contains("state UP", StringComparison.Ordinal);

    public void Dispose()
    {
        lock (_daemons)
        {
            foreach (var daemon in _daemons)
            {
                daemon.Dispose();
            }

            _daemons.Clear();
        }

        lock (_processes)
        {
            foreach (var process in _processes)
            {
                process.Dispose();
            }

            _processes.Clear();
        }

        // Nodes first: deleting a namespace destroys its veth and with it the peer on the switch.
        foreach (string name in Enumerable.Reverse(_namespaces))
        {
            _ = Shell.Run(new ProcessStartInfo("ip", ["netns", "delete", name]), null, TimeSpan.FromSeconds(30));
        }

        _namespaces.Clear();
    }
}
