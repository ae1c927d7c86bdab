using System.Collections.Immutable;
using Ax.Addressing;
using Ax.Apps;
using Ax.Policy;
using Ax.Routing;
using Ax.Routing.Amalgam8;
using Ax.ServiceTable;

namespace Ax.Tests.Routing;

/// <summary>
/// The engine's decisions under Amalgam8 rules, on tables built in memory: rules come through a fixed
/// <see cref="IRuleSource"/> and connection counts through a settable <see cref="IConnectionCounts"/>, the two seams
/// the daemon fills from the rule store and the kernel. The end-to-end tests (RulesEndToEndTests) run the same
/// decisions with real servers.
/// </summary>
public sealed class RuleRoutingTests
{
    private const uint NodeIp = 0x0A000001;
    private const uint ReviewsIp = 0x01010101;
    private static readonly Ipv4Endpoint Reviews = new(ReviewsIp, 9080);

    [Fact]
    public void AWeightedSplit_SendsEachBackendItsShareOfConnections()
    {
        // helloworld: v2 25%, v1 the rest (unweighted). 4,000 draws: v2 expects 1,000 (sd 27); 6 sd either side.
        var (engine, _) = Setup(Rules(@"{""rules"": [{""id"": ""split"", ""destination"": ""reviews"", ""route"": {""backends"": [{""tags"": [""version=v2""], ""weight"": 0.25}, {""tags"": [""version=v1""]}]}}]}"),
            Server("version=v1", 40001), Server("version=v2", 40002));

        int v2 = Enumerable.Range(0, 4000).Count(_ => engine.Route(Client("productpage"), TransportProtocol.Tcp, Reviews).Target.Port == 40002);

        Assert.InRange(v2, 840, 1160);
    }

    [Fact]
    public void TheFirstMatchingRuleByPriority_Wins_AndASourceMatchNeedsNameAndTags()
    {
        var (engine, _) = Setup(Rules(@"{""rules"": [
            {""id"": ""all-v1"", ""priority"": 1, ""destination"": ""reviews"", ""route"": {""backends"": [{""tags"": [""version=v1""]}]}},
            {""id"": ""jason-v2"", ""priority"": 2, ""destination"": ""reviews"", ""match"": {""source"": {""name"": ""productpage"", ""tags"": [""user=jason""]}},
             ""route"": {""backends"": [{""tags"": [""version=v2""]}]}}]}"),
            Server("version=v1", 40001), Server("version=v2", 40002));

        var jason = engine.Route(Client("productpage", "zone=default,user=jason"), TransportProtocol.Tcp, Reviews);
        var other = engine.Route(Client("productpage"), TransportProtocol.Tcp, Reviews);
        var stranger = engine.Route(Client("ratings", "zone=default,user=jason"), TransportProtocol.Tcp, Reviews);

        Assert.Equal((40002, "jason-v2", "reviews"), (jason.Target.Port, jason.RuleId, jason.Service));
        Assert.Equal((40001, "all-v1"), (other.Target.Port, other.RuleId));
        Assert.Equal((40001, "all-v1"), (stranger.Target.Port, stranger.RuleId));
    }

    [Fact]
    public void ARule_NeverSendsAClientToAServerItSharesNoLabelWith()
    {
        var (engine, _) = Setup(Rules(@"{""rules"": [{""id"": ""v2"", ""destination"": ""reviews"", ""route"": {""backends"": [{""tags"": [""version=v2""]}]}}]}"),
            Server("version=v1,zone=default", 40001), Server("version=v2,role=prod", 40002));

        var decision = engine.Route(Client("productpage"), TransportProtocol.Tcp, Reviews);

        Assert.True(decision.IsRefused);
        Assert.Equal("v2", decision.RuleId);
    }

    [Fact]
    public void RoundRobin_RotatesOverEveryServerOfTheBackend()
    {
        var (engine, _) = Setup(Rules(@"{""rules"": [{""id"": ""rr"", ""destination"": ""reviews"", ""route"": {""backends"": [{""tags"": [""version=v1""], ""lb_type"": ""round_robin""}]}}]}"),
            Server("version=v1", 40001), Server("version=v1", 40002), Server("version=v1", 40003), Server("version=v2", 40004));

        var ports = Enumerable.Range(0, 9).Select(_ => engine.Route(Client("productpage"), TransportProtocol.Tcp, Reviews).Target.Port).ToArray();

        Assert.Equal(new ushort[] { 40001, 40002, 40003 }, ports.Take(3).Order());
        Assert.Equal(ports.Take(3), ports.Skip(3).Take(3));
        Assert.Equal(ports.Take(3), ports.Skip(6).Take(3));
    }

    [Fact]
    public void LeastRequest_PicksTheServerWithFewestOpenConnections_AndAsksForTheConnectionToBeCounted()
    {
        var counts = new SetCounts();
        var (engine, _) = Setup(Rules(@"{""rules"": [{""id"": ""lr"", ""destination"": ""reviews"", ""route"": {""backends"": [{""tags"": [""version=v1""], ""lb_type"": ""least_request""}]}}]}"),
            counts, Server("version=v1", 40001), Server("version=v1", 40002), Server("version=v1", 40003));
        counts.Set(40001, open: 3);
        counts.Set(40002, open: 1);
        counts.Set(40003, open: 2);

        var decisions = Enumerable.Range(0, 5).Select(_ => engine.Route(Client("productpage"), TransportProtocol.Tcp, Reviews)).ToArray();

        Assert.All(decisions, d => Assert.Equal((40002, true), (d.Target.Port, d.Track)));
    }

    [Fact]
    public void MaxConnections_RefusesTheExcess_AndAdmitsAgainOnceOneCloses()
    {
        var counts = new SetCounts();
        var (engine, _) = Setup(Rules(@"{""rules"": [{""id"": ""cap"", ""destination"": ""reviews"", ""route"": {""backends"": [{""tags"": [""version=v1""], ""resilience"": {""max_connections"": 2}}]}}]}"),
            counts, Server("version=v1", 40001));

        counts.Set(40001, open: 1);
        Assert.False(engine.Route(Client("productpage"), TransportProtocol.Tcp, Reviews).IsRefused);
        counts.Set(40001, open: 2);
        var refused = engine.Route(Client("productpage"), TransportProtocol.Tcp, Reviews);
        counts.Set(40001, open: 1);

        Assert.True(refused.IsRefused);
        Assert.Contains("max_connections", refused.Reason);
        Assert.False(engine.Route(Client("productpage"), TransportProtocol.Tcp, Reviews).IsRefused);
    }

    [Fact]
    public void AServerFailingConsecutively_IsEjectedForTheSleepWindow_ThenTriedAgain()
    {
        var counts = new SetCounts();
        var time = new ManualTime();
        var (engine, _) = Setup(Rules(@"{""rules"": [{""id"": ""eject"", ""destination"": ""reviews"", ""route"": {""backends"": [{""tags"": [""version=v1""], ""resilience"": {""consecutive_errors"": 3, ""sleep_window"": 10}}]}}]}"),
            counts, time, Server("version=v1", 40001), Server("version=v1", 40002));
        counts.Set(40001, failures: 3);

        var during = Enumerable.Range(0, 20).Select(_ => engine.Route(Client("productpage"), TransportProtocol.Tcp, Reviews).Target.Port).ToHashSet();
        time.Advance(TimeSpan.FromSeconds(11));
        var after = Enumerable.Range(0, 20).Select(_ => engine.Route(Client("productpage"), TransportProtocol.Tcp, Reviews).Target.Port).ToHashSet();
        counts.Set(40001, failures: 4); // the trial connect failed too: out again at once
        var failedAgain = Enumerable.Range(0, 20).Select(_ => engine.Route(Client("productpage"), TransportProtocol.Tcp, Reviews).Target.Port).ToHashSet();

        Assert.Equal(new ushort[] { 40002 }, during);
        Assert.Equal(new ushort[] { 40001, 40002 }, after.Order());
        Assert.Equal(new ushort[] { 40002 }, failedAgain);
    }

    [Fact]
    public void ActionRules_DelayOrAbort_ConnectsToServersCarryingTheirTags()
    {
        var (engine, _) = Setup(Rules(@"{""rules"": [
            {""id"": ""to-v1"", ""destination"": ""reviews"", ""route"": {""backends"": [{""tags"": [""version=v1""]}]}},
            {""id"": ""slow"", ""priority"": 5, ""destination"": ""reviews"", ""match"": {""source"": {""name"": ""productpage"", ""tags"": [""user=jason""]}},
             ""actions"": [{""action"": ""delay"", ""duration"": 7, ""probability"": 1, ""tags"": [""version=v1""]}]},
            {""id"": ""fail"", ""priority"": 1, ""destination"": ""reviews"", ""actions"": [{""action"": ""abort"", ""return_code"": 503, ""tags"": [""version=v1""]}]}]}"),
            Server("version=v1", 40001));

        var jason = engine.Route(Client("productpage", "zone=default,user=jason"), TransportProtocol.Tcp, Reviews);
        var other = engine.Route(Client("productpage"), TransportProtocol.Tcp, Reviews);

        Assert.Equal((40001, TimeSpan.FromSeconds(7), "slow"), (jason.Target.Port, jason.Delay, jason.ActionRuleId));
        Assert.True(other.IsRefused);
        Assert.Equal("fail", other.ActionRuleId);
    }

    [Fact]
    public void AnActionWithAProbability_AppliesToAboutThatShare()
    {
        // 4,000 connects at p = 0.5: 2,000 expected (sd 32); 6 sd either side.
        var (engine, _) = Setup(Rules(@"{""rules"": [{""id"": ""half"", ""destination"": ""reviews"", ""actions"": [{""action"": ""abort"", ""probability"": 0.5, ""return_code"": 503}]}]}"),
            Server("version=v1", 40001));

        int refused = Enumerable.Range(0, 4000).Count(_ => engine.Route(Client("productpage"), TransportProtocol.Tcp, Reviews).IsRefused);

        Assert.InRange(refused, 1810, 2190);
    }

    [Fact]
    public void ADestinationWithoutRules_RoutesAsBefore_AndARuleAppliesOnceItsServiceAppears()
    {
        var rules = new FixedRules(Rules(@"{""rules"": [{""id"": ""v2"", ""destination"": ""details"", ""route"": {""backends"": [{""tags"": [""version=v2""]}]}}]}"));
        var (engine, services) = Setup(rules, Server("version=v1", 40001));

        var before = engine.Route(Client("productpage"), TransportProtocol.Tcp, Reviews);
        rules.Set(Rules(@"{""rules"": [{""id"": ""v2"", ""destination"": ""reviews"", ""route"": {""backends"": [{""tags"": [""version=v2""]}]}}]}"));
        services.Upsert(Server("version=v2", 40002));
        var after = engine.Route(Client("productpage"), TransportProtocol.Tcp, Reviews);

        Assert.Equal((40001, null), (before.Target.Port, before.RuleId));
        Assert.Equal((40002, "v2"), (after.Target.Port, after.RuleId));
    }

    [Fact]
    public void CountedServers_ThatLeaveTheTable_AreForgotten_NoSoonerThanThePruneInterval()
    {
        var counts = new SetCounts();
        var time = new ManualTime();
        var (engine, services) = Setup(Rules(@"{""rules"": [{""id"": ""lr"", ""destination"": ""reviews"", ""route"": {""backends"": [{""tags"": [""version=v1""], ""lb_type"": ""least_request""}]}}]}"),
            counts, time, Server("version=v1", 40001), Server("version=v1", 40002));
        for (int i = 0; i < 4; i++)
        {
            engine.Route(Client("productpage"), TransportProtocol.Tcp, Reviews);
        }

        services.RemoveWhere(e => e.HostAddr.Port == 40002);
        bool forgottenTooSoon = counts.Forgotten.Count > 0;
        time.Advance(RoutingEngine.PruneInterval);
        services.Upsert(Server("version=v1", 40003)); // any later change of the table

        Assert.False(forgottenTooSoon);
        Assert.Equal(new ushort[] { 40002 }, counts.Forgotten);
    }

    private static ImmutableArray<A8Rule> Rules(string json)
    {
        Assert.True(A8RuleParser.TryParse(json, out A8Rule[]? rules, out string? problem), problem);
        return [.. rules];
    }

    private static (RoutingEngine Engine, ServiceRegistry Services) Setup(ImmutableArray<A8Rule> rules, params ServiceEntry[] servers) =>
        Setup(new FixedRules(rules), new SetCounts(), new ManualTime(), servers);

    private static (RoutingEngine Engine, ServiceRegistry Services) Setup(ImmutableArray<A8Rule> rules, SetCounts counts, params ServiceEntry[] servers) =>
        Setup(new FixedRules(rules), counts, new ManualTime(), servers);

    private static (RoutingEngine Engine, ServiceRegistry Services) Setup(ImmutableArray<A8Rule> rules, SetCounts counts, ManualTime time, params ServiceEntry[] servers) =>
        Setup(new FixedRules(rules), counts, time, servers);

    private static (RoutingEngine Engine, ServiceRegistry Services) Setup(FixedRules rules, params ServiceEntry[] servers) =>
        Setup(rules, new SetCounts(), new ManualTime(), servers);

    private static (RoutingEngine Engine, ServiceRegistry Services) Setup(FixedRules rules, SetCounts counts, ManualTime time, ServiceEntry[] servers)
    {
        var services = new ServiceRegistry("node-a");
        foreach (ServiceEntry server in servers)
        {
            services.Upsert(server);
        }

        var apps = new AppRegistry();
        apps.Add(new AppRecord("f0000001", "reviews", LabelSet.Default, ReviewsIp, true, 1, ["python3"]));
        return (new RoutingEngine(services, apps, NodeIp, rules: rules, counts: counts, time: time), services);
    }

    private static ServiceEntry Server(string labels, ushort hostPort)
    {
        Assert.True(LabelSet.TryParse(labels.Contains("zone=", StringComparison.Ordinal) || labels.Contains("role=", StringComparison.Ordinal) ? labels : labels + ",zone=default", out var set, out _));
        return new ServiceEntry(Guid.NewGuid(), "node-a", "f0000001", TransportProtocol.Tcp, Reviews, new Ipv4Endpoint(NodeIp, hostPort), Reviews.WithAddress(0), set, hostPort, 128);
    }

    private static AppRecord Client(string name, string labels = "zone=default")
    {
        Assert.True(LabelSet.TryParse(labels, out var set, out _));
        return new AppRecord("f0000002", name, set, NodeIp, false, 2, ["curl"]);
    }

    private sealed class FixedRules(ImmutableArray<A8Rule> rules) : IRuleSource
    {
        public ImmutableArray<A8Rule> Rules { get; private set; } = rules;

        public event Action? Changed;

        internal void Set(ImmutableArray<A8Rule> rules)
        {
            Rules = rules;
            Changed?.Invoke();
        }
    }

    private sealed class SetCounts : IConnectionCounts
    {
        private readonly Dictionary<ushort, ConnectionCounts> _counts = [];

        public bool Track(int socketFd, Ipv4Endpoint server) => true;

        public ConnectionCounts Read(Ipv4Endpoint server) => _counts.GetValueOrDefault(server.Port);

        public void Forget(Ipv4Endpoint server) => Forgotten.Add(server.Port);

        internal List<ushort> Forgotten { get; } = [];

        internal void Set(ushort port, int open = 0, int failures = 0) => _counts[port] = new ConnectionCounts(open, failures);
    }

    private sealed class ManualTime : TimeProvider
    {
        private long _now = 1_000_000;

        public override long TimestampFrequency => 1000;

        public override long GetTimestamp() => _now;

        internal void Advance(TimeSpan by) => _now += (long)by.TotalMilliseconds;
    }
}
