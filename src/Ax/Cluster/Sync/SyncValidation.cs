using System.Collections.Immutable;
using System.Net;

namespace Ax.Cluster.Sync;

/// <summary>
/// What a frame's body must satisfy beyond its JSON shape before it may touch the table: bounded sizes,
/// addresses that parse, a known protocol, unique keys. Limits are generous for real tables and small
/// enough that a hostile peer cannot make one row cost much.
/// </summary>
internal static class SyncValidation
{
    internal const int MaxRows = 100_000;
    internal const int MaxName = 253;
    internal const int MaxId = 128;
    internal const int MaxLabels = 64;
    internal const int MaxLabel = 317; // a Kubernetes-sized key (253 + '/' + 63) and value
    internal const int MaxCommand = 4096;

    /// <summary>The most rules a node may own (as RuleStore keeps), and the longest one rule's JSON may be.</summary>
    internal const int MaxRules = Routing.Rules.RuleStore.MaxLocalRules;
    internal const int MaxRuleText = 64 * 1024;

    internal static bool TryValidate(object body, out string error)
    {
        error = body switch
        {
            SyncHello h => Hello(h),
            NodeTable t => Table(t),
            SyncDelta d => Delta(d),
            SyncDigest d => d.Hash.Length is > 0 and <= 128 ? "" : "a digest hash of the wrong length",
            SyncRefusal r => r.Reason.Length <= 1024 ? "" : "a refusal reason too long",
            _ => "an unknown body",
        };
        return error.Length == 0;
    }

    /// <summary>
    /// This node's own table as it may be published: rows a subscriber would refuse (which would make every
    /// subscriber refuse the whole table, and retry forever) are left out, each with why.
    /// </summary>
    internal static NodeTable Publishable(NodeTable table, List<string> leftOut)
    {
        var apps = table.Apps.RemoveAll(a => Rejected(App(a), leftOut));
        var services = table.Services.RemoveAll(s => Rejected(Service(s), leftOut));
        var seenApps = new HashSet<string>(StringComparer.Ordinal);
        var seenServices = new HashSet<string>(StringComparer.Ordinal);
        apps = apps.RemoveAll(a => Rejected(seenApps.Add(a.Id) ? "" : $"app {a.Id} twice", leftOut));
        services = services.RemoveAll(s => Rejected(seenServices.Add(s.SocketId) ? "" : $"service {s.SocketId} twice", leftOut));
        return leftOut.Count == 0 ? table : table with { Apps = apps, Services = services };
    }

    private static bool Rejected(string error, List<string> leftOut)
    {
        if (error.Length > 0)
        {
            leftOut.Add(error);
        }

        return error.Length > 0;
    }

    private static string Hello(SyncHello h) =>
        !IsName(h.Cluster) ? "a bad cluster name in the hello"
        : !IsName(h.Node) ? "a bad node name in the hello"
        : !IsName(h.Peer) ? "a bad peer name in the hello"
        : "";

    private static string Table(NodeTable t)
    {
        if (!IsName(t.Node) || !IsName(t.Cluster))
        {
            return "a bad node or cluster name in a table";
        }

        if (t.Apps.IsDefault || t.Services.IsDefault || t.VServices.IsDefault || t.Apps.Length > MaxRows || t.Services.Length > MaxRows)
        {
            return "a table with too many rows";
        }

        if (VServices(t.VServices) is { Length: > 0 } bad)
        {
            return bad;
        }

        if (t.Rules.IsDefault || Rules([.. t.Rules]) is { Length: > 0 })
        {
            return t.Rules.IsDefault ? "a table without its rules" : Rules([.. t.Rules]);
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var app in t.Apps)
        {
            string e = App(app);
            if (e.Length > 0 || !ids.Add(app.Id))
            {
                return e.Length > 0 ? e : $"app {app.Id} twice in a table";
            }
        }

        ids.Clear();
        foreach (var service in t.Services)
        {
            string e = Service(service);
            if (e.Length > 0 || !ids.Add(service.SocketId))
            {
                return e.Length > 0 ? e : $"service {service.SocketId} twice in a table";
            }
        }

        return "";
    }

    private static string Delta(SyncDelta d)
    {
        if (d.To <= d.From)
        {
            return "a delta that does not move forward";
        }

        if (d.Apps.Length + d.RemovedApps.Length > MaxRows || d.Services.Length + d.RemovedServices.Length > MaxRows)
        {
            return "a delta with too many rows";
        }

        if (d.VServices is not null && VServices([.. d.VServices]) is { Length: > 0 } bad)
        {
            return bad;
        }

        if (d.Rules is not null && Rules(d.Rules) is { Length: > 0 } badRules)
        {
            return badRules;
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var app in d.Apps)
        {
            string e = App(app);
            if (e.Length > 0 || !ids.Add(app.Id))
            {
                return e.Length > 0 ? e : $"app {app.Id} twice in a delta";
            }
        }

        foreach (string id in d.RemovedApps)
        {
            if (!IsId(id) || !ids.Add(id))
            {
                return "a bad or repeated removed app id in a delta";
            }
        }

        ids.Clear();
        foreach (var service in d.Services)
        {
            string e = Service(service);
            if (e.Length > 0 || !ids.Add(service.SocketId))
            {
                return e.Length > 0 ? e : $"service {service.SocketId} twice in a delta";
            }
        }

        foreach (string id in d.RemovedServices)
        {
            if (!IsId(id) || !ids.Add(id))
            {
                return "a bad or repeated removed socket id in a delta";
            }
        }

        return "";
    }

    /// <summary>The shape only: count and sizes. Each rule's content is checked where it is used (RuleStore.ApplyPeer, which drops a bad one alone).</summary>
    private static string Rules(string[] rules) =>
        rules.Length > MaxRules ? "too many rules"
        : rules.Any(static r => r is null || r.Length > MaxRuleText) ? "a rule that is missing or too long"
        : "";

    /// <summary>The shape only: names, counts, sizes. Each vservice's content is checked where it is used (VServiceValidation).</summary>
    private static string VServices(ImmutableArray<Contracts.VServiceInfo> vservices)
    {
        if (vservices.Length > MaxRows)
        {
            return "too many vservices";
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var v in vservices)
        {
            if (v is null || v.Name is null || !IsName(v.Name) || !names.Add(v.Name) ||
                v.Ports is null || v.Backends is null || v.Ports.Count > 64 || v.Backends.Count > 256 ||
                (v.Ip?.Length ?? 0) > 64 || v.Backends.Any(static b => b is null || b.Length > 64))
            {
                return "a bad or repeated vservice";
            }
        }

        return "";
    }

    private static string App(SyncApp a) =>
        !IsId(a.Id) ? "a bad app id"
        : a.Name.Length > MaxName ? $"app {a.Id}: a name too long"
        : !IPAddress.TryParse(a.Ip, out _) ? $"app {a.Id}: a bad ip"
        : !Labels(a.Labels) ? $"app {a.Id}: bad labels"
        : a.Pid < 0 ? $"app {a.Id}: a negative pid"
        : a.Command.Length > MaxCommand ? $"app {a.Id}: a command too long"
        : a.Expose is { } expose && (expose.Length > 64 || expose.Any(static e => e is null || e.Length > 64)) ? $"app {a.Id}: bad expose rules"
        : "";

    private static string Service(SyncService s) =>
        !IsId(s.SocketId) ? "a bad socket id"
        : !IsId(s.AppId) ? $"service {s.SocketId}: a bad app id"
        : s.Proto is not ("tcp" or "udp") ? $"service {s.SocketId}: protocol {Clip(s.Proto)} is neither tcp nor udp"
        : !IsEndpoint(s.ServiceAddr, 1) || !IsEndpoint(s.HostAddr, 1) || !IsEndpoint(s.BindAddr, 0) ? $"service {s.SocketId}: a bad address"
        : !Labels(s.Labels) ? $"service {s.SocketId}: bad labels"
        : s.Backlog < 0 ? $"service {s.SocketId}: a negative backlog"
        : "";

    private static bool IsName(string s) => s.Length is > 0 and <= MaxName && Printable(s);

    private static bool IsId(string s) => s.Length is > 0 and <= MaxId && Printable(s);

    /// <summary>
    /// <c>ip:port</c> (<c>[v6]:port</c>) with the port written out: IPEndPoint.TryParse alone also takes a
    /// bare address as port 0, and a client cannot connect to a service without its port.
    /// </summary>
    private static bool IsEndpoint(string s, int minPort) =>
        s.Length <= 64 && IPEndPoint.TryParse(s, out var endpoint) && endpoint.Port >= minPort &&
        s.EndsWith(string.Create(System.Globalization.CultureInfo.InvariantCulture, $":{endpoint.Port}"), StringComparison.Ordinal) &&
        (endpoint.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6 || s.StartsWith('['));

    private static bool Labels(string[] labels)
    {
        if (labels.Length > MaxLabels)
        {
            return false;
        }

        foreach (string label in labels)
        {
            if (label.Length is 0 or > MaxLabel || !Printable(label))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>No control characters: names and labels end up in logs and in `ax get` tables.</summary>
    private static bool Printable(string s)
    {
        foreach (char c in s)
        {
            if (char.IsControl(c))
            {
                return false;
            }
        }

        return true;
    }

    private static string Clip(string s) => s.Length <= 16 ? s : s[..16] + "...";
}
