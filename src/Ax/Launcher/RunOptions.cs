using Ax.Contracts;

namespace Ax.Launcher;

/// <summary>The options of <c>ax run</c> (seed 003, "Run").</summary>
internal sealed class RunOptions
{
    /// <summary>--ip: the IPv4 address the app's services are reachable at. Defaults to none (the node IP).</summary>
    public string? Ip { get; init; }

    /// <summary>--name: the DNS name of the app. Defaults to none.</summary>
    public string? Name { get; init; }

    /// <summary>--labels: csv of key=value. Defaults to "zone=default".</summary>
    public string Labels { get; init; } = Policy.LabelSet.DefaultText;

    /// <summary>--new-netns: run the app in a new, empty network namespace. Defaults to true.</summary>
    public bool NewNetns { get; init; } = true;

    /// <summary>
    /// --expose: app ports served at node ports to clients outside ax, each internal-port:host-port,
    /// internal-port:node-IP:node-port or internal-port:0.0.0.0:node-port (values may be csv). Defaults to none.
    /// </summary>
    public IReadOnlyList<string> Expose { get; init; } = [];

    /// <summary>--user: name or UID the app runs as, with that user's groups. Defaults to none (the caller).</summary>
    public string? User { get; init; }

    /// <summary>--interface: name of an interface made in the app's new namespace. Defaults to none (only lo).</summary>
    public string? Interface { get; init; }

    /// <summary>--dns-override: give the app a resolv.conf that points at the daemon's DNS server. Defaults to true.</summary>
    public bool DnsOverride { get; init; } = true;

    /// <summary>The command and its arguments.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    public required string RunDir { get; init; }

    /// <summary>What the launcher tells the daemon about the app.</summary>
    internal RunRequest ToRequest() =>
        new(Ip, Name, Labels.Split(',', StringSplitOptions.TrimEntries), NewNetns, Command, Expose, KeepHostResolver: !DnsOverride);
}
