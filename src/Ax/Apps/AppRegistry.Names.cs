namespace Ax.Apps;

internal sealed partial class AppRegistry
{
    /// <summary>
    /// Where made-up addresses come from: 198.18.0.0/15, set aside for benchmark networks (RFC 2544,
    /// RFC 6890 lists it as not globally reachable) and the range fake-IP DNS resolvers hand out. It is
    /// not 100.64.0.0/10 (carrier NAT and Tailscale give hosts real addresses there), nor 169.254.0.0/16
    /// (169.254.169.254 is every cloud's metadata service). Only ax apps ever see these addresses, and a
    /// connect to one is always routed by ax (to the app's services, or refused), so none leaves the node;
    /// the DNS server answers their reverse lookups itself (Dns/DnsResponder.cs).
    /// </summary>
    internal const uint MadeUpFirst = (198u << 24) | (18u << 16);

    internal const uint MadeUpCount = 1u << 17;

    private readonly Lock _naming = new();

    /// <summary>Finds the IP of a running app by its --name, case-insensitively: this node's apps first, then the peers'.</summary>
    internal bool TryFindByName(string name, out uint address) => TryFindLocalByName(name, out address) || TryFindPeerByName(name, out address);

    private bool TryFindLocalByName(string name, out uint address)
    {
        foreach (AppRecord app in _apps.Values)
        {
            if (string.Equals(app.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                address = app.Ip;
                return true;
            }
        }

        address = 0;
        return false;
    }

    /// <summary>
    /// Adds an app that has a --name but no --ip, giving it an address (seed 001: "AppSwitch internally makes
    /// up an IP address"): the IP of a running app of the same name, so that both serve one name as
    /// backends of one service, as two apps given the same --ip do; else the name's own made-up address
    /// (<see cref="MadeUpAddress"/>). Returns the record as added.
    /// </summary>
    internal AppRecord AddWithNameAddress(AppRecord app)
    {
        lock (_naming)
        {
            if (!TryFindByName(app.Name, out uint ip))
            {
                ip = MadeUpAddress(app.Name, new HashSet<uint>(_apps.Values.Select(a => a.Ip).Concat(Volatile.Read(ref _peers).OwnIps)));
            }

            AppRecord added = app with { Ip = ip, HasOwnIp = true };
            Add(added);
            return added;
        }
    }

    /// <summary>
    /// The made-up address of a name: a hash of the name (case folded, as DNS names are) into the range,
    /// then the next address no other app holds, skipping .0 and .255 (they read as network and
    /// broadcast). Derived from the name, not counted from the range's start, so that a name keeps its
    /// address when its app or the daemon restarts (clients that cached it still reach it), and so that
    /// daemons on different nodes, which count nothing together, do not give two names one address.
    /// </summary>
    internal static uint MadeUpAddress(string name, IReadOnlySet<uint> taken)
    {
        uint start = Fnv1a(name.ToLowerInvariant()) % MadeUpCount;
        for (uint tries = 0; tries < MadeUpCount; tries++)
        {
            uint candidate = MadeUpFirst + ((start + tries) % MadeUpCount);
            if ((candidate & 0xff) is not (0 or 255) && !taken.Contains(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("every made-up address is in use; an app count this large exceeds what one node serves");
    }

    /// <summary>32-bit FNV-1a over the name's UTF-16 code units: stable across processes, unlike string.GetHashCode.</summary>
    private static uint Fnv1a(string text)
    {
        uint hash = 2166136261;
        foreach (char c in text)
        {
            hash = (hash ^ c) * 16777619;
        }

        return hash;
    }
}
