using Ax.Addressing;

namespace Ax.Dns;

/// <summary>The options of the built-in DNS server (seed 003, "Domain Name System" and "DNS Configuration Options").</summary>
internal sealed class DnsOptions
{
    internal const string DefaultDomain = "appswitch.local";

    /// <summary>
    /// Where the server listens, in the node's network namespace (where the daemon makes apps' sockets, so
    /// an app's query to this address arrives there). glibc only ever asks port 53, and 127.0.0.53 (systemd-
    /// resolved) and 127.0.0.1 (dnsmasq, unbound) are often taken; 127.0.0.11 is a loopback address no
    /// common host resolver uses (Docker's embedded DNS uses it inside containers, never on the host).
    /// </summary>
    internal static readonly Ipv4Endpoint DefaultListen = new((127u << 24) | 11, 53);

    /// <summary>--dns: run the built-in DNS server. Defaults to true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>--dns-domain: the suffix of the names the server answers for. Defaults to "appswitch.local".</summary>
    public string Domain { get; init; } = DefaultDomain;

    /// <summary>--dns-servers: where names outside the domain are forwarded, tried in order. Defaults to the host's resolvers (its /etc/resolv.conf).</summary>
    public IReadOnlyList<Ipv4Endpoint> Forwarders { get; init; } = [];

    /// <summary>The UDP and TCP address the server listens on. Defaults to 127.0.0.11:53 (no flag; tests use another).</summary>
    public Ipv4Endpoint Listen { get; init; } = DefaultListen;

    /// <summary>How long one forwarder gets to answer before the next is asked. Defaults to 2 seconds.</summary>
    public TimeSpan ForwardTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The TTL of answers for ax names. Defaults to 5 seconds: apps come and go, and a made-up address
    /// is handed to another name once its apps are gone, so caches must forget quickly.
    /// </summary>
    public uint Ttl { get; init; } = 5;
}
