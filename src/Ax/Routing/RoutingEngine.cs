using System.Collections.Immutable;
using Ax.Addressing;
using Ax.Apps;
using Ax.Policy;
using Ax.Routing.LoadBalancing;
using Ax.ServiceTable;
using Ax.VServices;

namespace Ax.Routing;

/// <summary>
/// Decides where every connect goes, for services, vservices and rules alike: to one server of a service the
/// client may reach (labels shared), to an endpoint of a vservice, nowhere (ECONNREFUSED), or out of the node
/// unchanged (egress). A destination with rules (<see cref="IRuleSource"/>, compiled into a <see cref="RuleTable"/>
/// swapped whole on change) goes through them: the first route rule whose source matches picks a backend by weight,
/// then an endpoint of it still available (not ejected, under its connection limit) by its policy; the first
/// action rule whose source matches may then delay or refuse. The label check holds whatever a rule says: a rule
/// only ever chooses among servers the client shares a label with. Policy state (cursors, ejections) lives in
/// <see cref="PolicyState"/>, outside the table; open connections and failures come from the kernel
/// (<see cref="IConnectionCounts"/>).
/// </summary>
internal sealed class RoutingEngine
{
    private readonly ServiceRegistry _services;
    private readonly AppRegistry _apps;
    private readonly uint _nodeIp;
    private readonly VServiceRegistry _vservices;
    private readonly IRuleSource? _ruleSource;
    private readonly PolicyState _state;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Ipv4Endpoint, byte> _counted = new();
    private RuleTable _rules = RuleTable.Empty;
    private long _prunedAt;

    internal RoutingEngine(ServiceRegistry services, AppRegistry apps, uint nodeIp, VServiceRegistry? vservices = null, IRuleSource? rules = null, IConnectionCounts? counts = null, TimeProvider? time = null)
    {
        _services = services;
        _apps = apps;
        _nodeIp = nodeIp;
        _vservices = vservices ?? new VServiceRegistry();
        Counts = counts ?? NoConnectionCounts.Instance;
        _state = new PolicyState(time ?? TimeProvider.System);
        _ruleSource = rules;
        _prunedAt = _state.Time.GetTimestamp();
        services.Changed += PruneCounted;
        if (rules is not null)
        {
            rules.Changed += Recompile;
            Recompile();
        }
    }

    /// <summary>The rules in force, compiled.</summary>
    internal RuleTable Rules => Volatile.Read(ref _rules);

    /// <summary>The kernel's connection counts, which the connect path feeds (<see cref="RouteDecision.Track"/>).</summary>
    internal IConnectionCounts Counts { get; }

    internal RouteDecision Route(AppRecord client, TransportProtocol proto, Ipv4Endpoint destination)
    {
        ServiceSnapshot snapshot = _services.Current;
        var servers = snapshot.Lookup(proto, destination);
        if (servers.IsEmpty)
        {
            // A server's host address (node-ip:pool-port) is as guarded as its virtual address: an app
            // that read it from 'ax get servers' or scanned the pool must still share a label with it.
            if (snapshot.TryFindByHost(proto, destination, out ServiceEntry? direct))
            {
                return direct!.Labels.SharesAnyWith(client.Labels) ? RouteDecision.ToServer(direct) : RouteDecision.Refused;
            }

            VServiceSnapshot vsnapshot = _vservices.Current;
            if (!vsnapshot.IsEmpty && vsnapshot.TryFind(destination, out VService? vservice, out ushort appPort))
            {
                return RouteVService(snapshot, vservice!, appPort, proto, client, client.Labels);
            }

            // A virtual IP that ax hands out, on a port where nothing listens: refuse as a host with
            // that port closed would, rather than letting the packet leave for an address that is not real.
            return VirtualAddresses.IsVirtual(destination.Address, snapshot, _apps, vsnapshot, _nodeIp)
                ? RouteDecision.Refused
                : RouteDecision.Egress(destination);
        }

        RuleTable table = Rules;
        if (!table.IsEmpty && NameOf(servers[0]) is string name && table.TryGet(name, out DestinationRules? rules))
        {
            var endpoints = new List<RouteEndpoint>(servers.Length);
            AddAllowed(endpoints, servers, client.Labels);
            return Decide(rules!, name, null, endpoints, snapshot, proto, destination.Port, client, client.Labels);
        }

        ServiceEntry? server = PickServer(servers, client.Labels);
        return server is null ? RouteDecision.Refused : RouteDecision.ToServer(server);
    }

    /// <summary>
    /// Picks an endpoint of <paramref name="vservice"/> for a connect on a virtual port mapped to
    /// <paramref name="appPort"/>, for a client outside ax (a node proxy's: <paramref name="clientLabels"/> null
    /// admits every server; only rules without a source match apply).
    /// </summary>
    internal RouteDecision RouteVService(VService vservice, ushort appPort, TransportProtocol proto, LabelSet? clientLabels) =>
        RouteVService(_services.Current, vservice, appPort, proto, null, clientLabels);

    private RouteDecision RouteVService(ServiceSnapshot snapshot, VService vservice, ushort appPort, TransportProtocol proto, AppRecord? client, LabelSet? clientLabels)
    {
        var endpoints = new List<RouteEndpoint>(vservice.Backends.Length);
        Expand(endpoints, snapshot, vservice, appPort, proto, clientLabels);
        RuleTable table = Rules;
        RouteDecision decision = !table.IsEmpty && table.TryGet(vservice.Name, out DestinationRules? rules)
            ? Decide(rules!, vservice.Name, vservice, endpoints, snapshot, proto, appPort, client, clientLabels)
            : PickForVService(vservice, endpoints);
        return decision with { SourceIp = vservice.SourceIp };
    }

    /// <summary>
    /// The endpoints a vservice expands to, in backend order: every server behind a backend where ax services
    /// listen (those the client shares a label with), or the backend itself as an external host. A backend at an
    /// ax address with nothing on that port is down and adds nothing.
    /// </summary>
    private void Expand(List<RouteEndpoint> endpoints, ServiceSnapshot snapshot, VService vservice, ushort appPort, TransportProtocol proto, LabelSet? clientLabels)
    {
        foreach (VServiceBackend backend in vservice.Backends)
        {
            var target = new Ipv4Endpoint(backend.Address, backend.PortFor(appPort));
            var servers = snapshot.Lookup(proto, target);
            if (!servers.IsEmpty)
            {
                AddAllowed(endpoints, servers, clientLabels);
            }
            else if (target.Address == _nodeIp || !(snapshot.IsServiceIp(target.Address) || _apps.IsAppIp(target.Address)))
            {
                endpoints.Add(new RouteEndpoint(target, null));
            }
        }
    }

    private RouteDecision PickForVService(VService vservice, List<RouteEndpoint> endpoints)
    {
        if (endpoints.Count == 0)
        {
            return RouteDecision.Refused;
        }

        int index = vservice.LbType == LbType.RoundRobin
            ? (int)(_state.Advance(new CursorKey(CursorKey.VServiceScope, vservice.Name, 0)) % (ulong)endpoints.Count)
            : Random.Shared.Next(endpoints.Count);
        return RouteDecision.To(endpoints[index]);
    }

    /// <summary>
    /// The rules' decision for a destination whose reachable endpoints are <paramref name="endpoints"/>; where no route
    /// rule matches the client, the destination's own choice: a random server of a service, or the lbtype of
    /// <paramref name="vservice"/>.
    /// </summary>
    private RouteDecision Decide(DestinationRules rules, string service, VService? vservice, List<RouteEndpoint> endpoints, ServiceSnapshot snapshot, TransportProtocol proto, ushort port, AppRecord? client, LabelSet? clientLabels)
    {
        RouteRule? rule = rules.RouteFor(client);
        RouteDecision decision = rule is null
            ? (vservice is null ? PickAtRandom(endpoints) : PickForVService(vservice, endpoints))
            : PickByRule(rule, endpoints, snapshot, proto, port, clientLabels);
        decision = decision with { Service = service, RuleId = rule?.Id };
        if (!decision.IsRefused && rules.ActionsFor(client) is { } actions)
        {
            decision = ApplyActions(actions, decision);
        }

        return decision;
    }

    private RouteDecision PickByRule(RouteRule rule, List<RouteEndpoint> endpoints, ServiceSnapshot snapshot, TransportProtocol proto, ushort port, LabelSet? clientLabels)
    {
        var backends = rule.Backends;
        var candidates = new List<RouteEndpoint>[backends.Length];
        double total = 0;
        for (int i = 0; i < backends.Length; i++)
        {
            RouteBackend backend = backends[i];
            List<RouteEndpoint> source = backend.Name is null ? endpoints : EndpointsOf(backend.Name, snapshot, proto, port, clientLabels);
            var available = new List<RouteEndpoint>(source.Count);
            foreach (RouteEndpoint endpoint in source)
            {
                if (TagSet.AllIn(backend.Tags, endpoint.Labels) &&
                    (backend.Ejection is null || _state.IsAvailable(endpoint.Target, backend.Ejection, Counts.Read(endpoint.Target).ConsecutiveFailures)))
                {
                    available.Add(endpoint);
                }
            }

            candidates[i] = available;
            if (available.Count > 0)
            {
                total += backend.Weight;
            }
        }

        if (total <= 0)
        {
            return RouteDecision.Refused with { Reason = "no backend of the rule with a share of connections has a server this client may reach" };
        }

        // Weights are per connection: each connect draws its backend.
        double draw = Random.Shared.NextDouble() * total;
        int chosen = -1;
        for (int i = 0; i < backends.Length; i++)
        {
            if (candidates[i].Count > 0 && backends[i].Weight > 0)
            {
                chosen = i;
                draw -= backends[i].Weight;
                if (draw < 0)
                {
                    break;
                }
            }
        }

        RouteBackend pick = backends[chosen];
        List<RouteEndpoint> eligible = candidates[chosen];
        if (pick.MaxConnections > 0)
        {
            int open = 0;
            foreach (RouteEndpoint endpoint in eligible)
            {
                open += Counts.Read(endpoint.Target).Open;
            }

            if (open >= pick.MaxConnections)
            {
                return RouteDecision.Refused with { Reason = $"the backend holds its max_connections ({pick.MaxConnections}) open" };
            }
        }

        int index = pick.Policy.Pick(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(eligible), new PickContext(_state, pick.CursorKey, Counts));
        if (pick.NeedsCounts)
        {
            _counted.TryAdd(eligible[index].Target, 0);
        }

        return RouteDecision.To(eligible[index]) with { Track = pick.NeedsCounts };
    }

    private static RouteDecision ApplyActions(ActionRule rule, RouteDecision decision)
    {
        TimeSpan delay = TimeSpan.Zero;
        bool applied = false;
        foreach (FaultAction action in rule.Actions)
        {
            if (!TagSet.AllIn(action.Tags, decision.Server?.Labels) || (action.Probability < 1 && Random.Shared.NextDouble() >= action.Probability))
            {
                continue;
            }

            if (action.Abort)
            {
                return RouteDecision.Refused with { Service = decision.Service, RuleId = decision.RuleId, ActionRuleId = rule.Id, Reason = "an abort action" };
            }

            delay += action.Delay;
            applied = true;
        }

        return applied ? decision with { Delay = delay, ActionRuleId = rule.Id } : decision;
    }

    /// <summary>The endpoints of the service or vservice named <paramref name="name"/> on <paramref name="port"/> (a backend's <c>name</c>).</summary>
    private List<RouteEndpoint> EndpointsOf(string name, ServiceSnapshot snapshot, TransportProtocol proto, ushort port, LabelSet? clientLabels)
    {
        var endpoints = new List<RouteEndpoint>();
        if (_apps.TryFindByName(name, out uint address))
        {
            AddAllowed(endpoints, snapshot.Lookup(proto, new Ipv4Endpoint(address, port)), clientLabels);
        }
        else if (_vservices.Current.ByName.TryGetValue(name, out VService? vservice))
        {
            Expand(endpoints, snapshot, vservice, port, proto, clientLabels);
        }

        return endpoints;
    }

    /// <summary>The service name of a server: its app's --name, here or on a peer.</summary>
    private string? NameOf(ServiceEntry server) =>
        _apps.TryGetAnywhere(server.Node, server.AppId, out AppRecord? app) && app!.Name.Length > 0 ? app.Name : null;

    private static void AddAllowed(List<RouteEndpoint> endpoints, ImmutableArray<ServiceEntry> servers, LabelSet? clientLabels)
    {
        foreach (ServiceEntry server in servers)
        {
            if (clientLabels is null || server.Labels.SharesAnyWith(clientLabels))
            {
                endpoints.Add(RouteEndpoint.Of(server));
            }
        }
    }

    private static RouteDecision PickAtRandom(List<RouteEndpoint> endpoints) =>
        endpoints.Count == 0 ? RouteDecision.Refused : RouteDecision.To(endpoints[Random.Shared.Next(endpoints.Count)]);

    /// <summary>
    /// After the table changed, at most every <see cref="PruneInterval"/>: servers counted for a policy that are
    /// no longer in the table (nor a vservice's external backend) are let go of (<see cref="IConnectionCounts.Forget"/>),
    /// so the kernel's slots do not fill with servers long gone.
    /// </summary>
    internal void PruneCounted()
    {
        long now = _state.Time.GetTimestamp();
        long last = Interlocked.Read(ref _prunedAt);
        if (_counted.IsEmpty || _state.Time.GetElapsedTime(last, now) < PruneInterval || Interlocked.CompareExchange(ref _prunedAt, now, last) != last)
        {
            return;
        }

        ServiceSnapshot snapshot = _services.Current;
        VServiceSnapshot vsnapshot = _vservices.Current;
        foreach (Ipv4Endpoint endpoint in _counted.Keys)
        {
            bool served = snapshot.TryFindByHost(TransportProtocol.Tcp, endpoint, out _) ||
                vsnapshot.ByName.Values.Any(v => v.Backends.Any(b => b.Address == endpoint.Address));
            if (!served)
            {
                _counted.TryRemove(endpoint, out _);
                Counts.Forget(endpoint);
            }
        }
    }

    /// <summary>How often, at most, the servers counted for policies are checked against the table.</summary>
    internal static readonly TimeSpan PruneInterval = TimeSpan.FromSeconds(30);

    private void Recompile()
    {
        RuleTable table = RuleTable.Compile(_ruleSource!.Rules);
        Volatile.Write(ref _rules, table);
        _state.RetainCursors(table.Cursors);
    }

    /// <summary>One server, at random, among those sharing a label with the client (all, for a null client).</summary>
    private static ServiceEntry? PickServer(ImmutableArray<ServiceEntry> servers, LabelSet? clientLabels)
    {
        int allowed = 0;
        foreach (ServiceEntry server in servers)
        {
            if (clientLabels is null || server.Labels.SharesAnyWith(clientLabels))
            {
                allowed++;
            }
        }

        if (allowed == 0)
        {
            return null;
        }

        int pick = Random.Shared.Next(allowed);
        foreach (ServiceEntry server in servers)
        {
            if ((clientLabels is null || server.Labels.SharesAnyWith(clientLabels)) && pick-- == 0)
            {
                return server;
            }
        }

        throw new InvalidOperationException("unreachable: the pick is below the allowed count");
    }
}
