using System.Net.Sockets;
using Ax.Addressing;
using Ax.Cli;
using Ax.Dns;
using Microsoft.Extensions.Logging;

namespace Ax.Daemon;

internal static partial class DaemonHost
{
    /// <summary>
    /// Starts the built-in DNS server unless --dns=false. When it cannot listen (another server holds
    /// 127.0.0.11:53 here), a daemon started with plain defaults says so once and serves apps without
    /// names; a daemon given --dns explicitly stops, since the user asked for names to work.
    /// </summary>
    private static DnsServer? StartDns(DaemonOptions options, IReadOnlyList<INameSource> sources, ILogger logger)
    {
        if (!options.Dns)
        {
            return null;
        }

        if (!DnsServerList.TryParseDomain(options.DnsDomain, out string? domain, out string? problem))
        {
            throw new CliException(problem, 2);
        }

        IReadOnlyList<Ipv4Endpoint>? forwarders;
        if (options.DnsServers is null)
        {
            forwarders = DnsServerList.FromResolvConf(ResolvConf.ReadHost(), DnsOptions.DefaultListen);
        }
        else if (!DnsServerList.TryParse(options.DnsServers, out forwarders, out problem))
        {
            throw new CliException(problem, 2);
        }

        var dnsOptions = new DnsOptions { Domain = domain, Forwarders = forwarders };
        SocketError error = DnsServer.TryStart(dnsOptions, sources, TimeProvider.System, logger, out DnsServer? server);
        if (error == SocketError.Success)
        {
            return server;
        }

        string reason = $"the DNS server cannot listen on {dnsOptions.Listen} ({error}){(error == SocketError.AddressAlreadyInUse ? "; another DNS server uses that address on this node" : string.Empty)}";
        if (options.DnsRequested)
        {
            throw new CliException($"{reason}; stop it, or start the daemon with --dns=false");
        }

        Log.DnsUnavailable(logger, reason);
        return null;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "{Reason}; apps run without ax names (--name is refused) and keep the host's resolver")]
        internal static partial void DnsUnavailable(ILogger logger, string reason);
    }
}
