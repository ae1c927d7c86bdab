using Ax.Daemon;
using Ax.Routing.Amalgam8;
using Ax.Routing.Rules;
using Ax.Tests.Cluster;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ax.Tests.Routing.Rules;

public sealed class RuleStoreTests : IDisposable
{
    private readonly string _runDir = Path.Combine(Path.GetTempPath(), "ax-rules-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_runDir))
        {
            Directory.Delete(_runDir, recursive: true);
        }
    }

    private static A8Rule Split(string destination, string? id = null, double priority = 1, string[]? tags = null) =>
        new(destination, id, priority, tags, Route: new A8Route([new A8Backend(["version=v1"], Weight: 0.25), new A8Backend(["version=v2"])]));

    private static A8Rule Delay(string destination, string? id = null) =>
        new(destination, id, 5, Match: new A8Match(new A8Source("web", ["user=jason"])), Actions: [new A8Action("delay", 1, ["version=v3"], Duration: 7)]);

    private RuleStore Store(string node = "n1", RecordingLogger? logger = null) =>
        new(node, new DaemonState(_runDir, NullLogger.Instance), (Microsoft.Extensions.Logging.ILogger?)logger ?? NullLogger.Instance);

    [Fact]
    public void RulesWithoutIds_GetFreshUniqueOnes_AndKeepGivenOnes()
    {
        var store = Store();
        Assert.Equal(RuleOutcome.Done, store.TryAdd([Split("web"), Split("web"), Delay("api", "mine")], out string[] ids, out string? problem));
        Assert.Null(problem);

        Assert.Equal(3, ids.Distinct().Count());
        Assert.Equal("mine", ids[2]);
        Assert.True(Guid.TryParse(ids[0], out _), ids[0]);
        Assert.Equal(ids.Order(), store.Rules.Select(r => r.Id!).Order());
    }

    [Fact]
    public void Changed_IsRaisedAfterEachChange_WithTheNewSnapshotInPlace()
    {
        var store = Store();
        var seen = new List<int>();
        store.Changed += () => seen.Add(store.Rules.Length);

        store.TryAdd([Split("web", "a"), Split("web", "b")], out _, out _);
        store.TryDelete(RuleFilter.ById("a"), everyIdMustExist: true, out _, out _);
        store.TryAdd([Split("web", "bad") with { Route = null }], out _, out _);

        Assert.Equal([2, 1], seen);
        Assert.Equal(2, store.Revision);
    }

    [Fact]
    public void ASetWithOneBadRule_ChangesNothing_AndNamesThePathOfTheProblem()
    {
        var store = Store();
        store.TryAdd([Split("web", "kept")], out _, out _);
        A8Rule bad = new("web", "r3", Route: new A8Route([new A8Backend(["version=v1"], Weight: 1.5)]));

        RuleOutcome outcome = store.TryAdd([Split("web", "kept") with { Priority = 9 }, Delay("api"), bad], out _, out string? problem);

        Assert.Equal(RuleOutcome.Invalid, outcome);
        Assert.StartsWith("rules[2].route.backends[0].weight: is 1.5", problem, StringComparison.Ordinal);
        var only = Assert.Single(store.Rules);
        Assert.Equal(("kept", 1.0), (only.Id, only.Priority));
    }

    [Theory]
    [InlineData("both", "rules[0]: a rule has either 'route' or 'actions'")]
    [InlineData("weights", "rules[0].route.backends: the weights add up to 1.2")]
    [InlineData("actionweights", "rules[0].actions[0].probability: is 1.5")]
    [InlineData("lb", "rules[0].route.backends[1].lb_type: is 'fastest'")]
    [InlineData("destination", "rules[0].destination: is empty")]
    [InlineData("twice", "rules[1].id: 'x' is given to two rules")]
    public void SchemaMistakes_AreRefused_WithTheirPath(string mistake, string expected)
    {
        var store = Store();
        A8Rule[] rules = mistake switch
        {
            "both" => [Split("web") with { Actions = [new A8Action("trace")] }],
            "weights" => [new("web", Route: new A8Route([new A8Backend(["v=1"], Weight: 0.6), new A8Backend(["v=2"], Weight: 0.6)]))],
            "actionweights" => [new("web", Actions: [new A8Action("abort", 1.5, ReturnCode: 503)])],
            "lb" => [new("web", Route: new A8Route([new A8Backend(["v=1"]), new A8Backend(["v=2"], LbType: "fastest")]))],
            "destination" => [Split(" ")],
            _ => [Split("web", "x"), Split("api", "x")],
        };

        Assert.Equal(RuleOutcome.Invalid, store.TryAdd(rules, out _, out string? problem));
        Assert.StartsWith(expected, problem, StringComparison.Ordinal);
        Assert.Empty(store.Rules);
    }

    [Fact]
    public void ARuleForADestinationThatDoesNotExist_IsKept()
    {
        var store = Store();
        Assert.Equal(RuleOutcome.Done, store.TryAdd([Split("not-running-yet", "early")], out _, out _));
        Assert.Equal("not-running-yet", Assert.Single(store.Rules).Destination);
    }

    [Fact]
    public void Filters_SelectByIdTagDestinationAndKind_AsAmalgam8Does()
    {
        var store = Store();
        store.TryAdd(
            [Split("web", "w1", tags: ["team=a", "env=prod"]), Split("web", "w2", tags: ["team=b"]), Delay("web", "d1"), Split("api", "a1", tags: ["team=a"])],
            out _,
            out _);

        string[] Ids(RuleFilter f) => [.. store.List(f).Rules.Select(r => r.Id!).Order()];

        Assert.Equal(["a1", "d1", "w1", "w2"], Ids(RuleFilter.All));
        Assert.Equal(["a1", "w2"], Ids(RuleFilter.ById("w2", "a1", "nope")));
        Assert.Equal(["a1", "w1"], Ids(new RuleFilter([], ["team=a"], [])));
        Assert.Equal(["w1"], Ids(new RuleFilter([], ["team=a", "env=prod"], [])));
        Assert.Equal(["a1", "d1", "w1", "w2"], Ids(new RuleFilter([], [], ["web", "api"])));
        Assert.Equal(["d1"], Ids(RuleFilter.ForDestination("web", RuleKind.Actions)));
        Assert.Equal(["w1", "w2"], Ids(RuleFilter.ForDestination("web", RuleKind.Route)));
    }

    [Fact]
    public void Rules_AreOrderedByDestinationThenDescendingPriority()
    {
        var store = Store();
        store.TryAdd([Split("web", "low", priority: 1), Split("api", "api"), Split("web", "high", priority: 10)], out _, out _);
        Assert.Equal(["api", "high", "low"], store.Rules.Select(r => r.Id));
    }

    [Fact]
    public void Replace_NeedsEveryIdToExist_AndChangesAllOrNone()
    {
        var store = Store();
        store.TryAdd([Split("web", "a"), Split("web", "b")], out _, out _);

        Assert.Equal(RuleOutcome.NotFound, store.TryReplace([Split("web", "a", priority: 7), Split("web", "zzz")], out string? problem));
        Assert.Contains("rules[1].id: there is no rule 'zzz'", problem, StringComparison.Ordinal);
        Assert.All(store.Rules, r => Assert.Equal(1, r.Priority));

        Assert.Equal(RuleOutcome.Invalid, store.TryReplace([Split("web")], out problem));
        Assert.StartsWith("rules[0].id: is missing", problem, StringComparison.Ordinal);

        Assert.Equal(RuleOutcome.Done, store.TryReplace([Delay("api", "a")], out _));
        Assert.Equal("api", store.Rules.Single(r => r.Id == "a").Destination);
    }

    [Fact]
    public void Delete_ByUnknownId_IsNotFoundForAx_AndSkippedForTheAmalgam8Api()
    {
        var store = Store();
        store.TryAdd([Split("web", "a"), Split("web", "b"), Delay("web", "c")], out _, out _);

        Assert.Equal(RuleOutcome.NotFound, store.TryDelete(RuleFilter.ById("a", "nope"), everyIdMustExist: true, out _, out string? problem));
        Assert.Contains("no rule 'nope'", problem, StringComparison.Ordinal);
        Assert.Equal(3, store.Rules.Length);

        Assert.Equal(RuleOutcome.Done, store.TryDelete(RuleFilter.ById("a", "nope"), everyIdMustExist: false, out string[] deleted, out _));
        Assert.Equal(["a"], deleted);

        Assert.Equal(RuleOutcome.Done, store.TryDelete(RuleFilter.ForDestination("web", RuleKind.Actions), false, out deleted, out _));
        Assert.Equal(["c"], deleted);
        Assert.Equal("b", Assert.Single(store.Rules).Id);
    }

    [Fact]
    public void Rules_SurviveARestart_ThroughTheStateFile()
    {
        var first = Store();
        first.TryAdd([Split("web", "split"), Delay("api", "jason")], out _, out _);
        A8Rule[] before = [.. first.Rules];

        var second = Store();
        second.Restore();

        Assert.Equal(before.Length, second.Rules.Length);
        for (int i = 0; i < before.Length; i++)
        {
            Assert.Equal(Amalgam8Json(before[i]), Amalgam8Json(second.Rules[i]));
        }

        // The file is an Amalgam8 rules document: it loads through the parser as it is.
        Assert.True(A8RuleParser.TryParse(File.ReadAllText(new DaemonState(_runDir, NullLogger.Instance).PathOf(RuleStore.StateName)), out A8Rule[]? parsed, out string? problem), problem);
        Assert.Equal(2, parsed.Length);
    }

    [Fact]
    public void ASavedRuleThatNoLongerPasses_IsDroppedWithALogLine_AndTheRestComeBack()
    {
        var state = new DaemonState(_runDir, NullLogger.Instance);
        state.Save(RuleStore.StateName, new A8RuleSet([Split("web", "good"), Split("web", "bad") with { Route = null }, Split("web")]), RuleJsonContext.Default.A8RuleSet);
        var logger = new RecordingLogger();

        var store = Store(logger: logger);
        store.Restore();

        Assert.Equal("good", Assert.Single(store.Rules).Id);
        Assert.Contains("saved rule bad not restored", logger.Text, StringComparison.Ordinal);
        Assert.Contains("saved rule (no id) not restored", logger.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void PeerRules_AreListed_ButOnlyTheirOwnerChangesThem()
    {
        var store = Store("n1");
        store.TryAdd([Split("web", "mine")], out _, out _);
        store.ApplyPeer("n2", [Split("web", "theirs"), Delay("api", "theirs-too")]);

        Assert.Equal(3, store.Rules.Length);
        Assert.Equal("n2", store.OwnerOf("theirs"));
        Assert.Equal(["mine"], store.LocalRules().Select(r => r.Id));

        Assert.Equal(RuleOutcome.Conflict, store.TryDelete(RuleFilter.ById("theirs"), true, out _, out string? problem));
        Assert.Contains("created on node n2", problem, StringComparison.Ordinal);
        Assert.Equal(RuleOutcome.Conflict, store.TryReplace([Split("web", "theirs", priority: 3)], out problem));
        Assert.Contains("node n2", problem, StringComparison.Ordinal);
        Assert.Equal(RuleOutcome.Conflict, store.TryAdd([Split("web", "theirs")], out _, out _));
        Assert.Equal(RuleOutcome.Conflict, store.TryDelete(RuleFilter.ForDestination("web", RuleKind.Any), false, out _, out _));
        Assert.Equal(3, store.Rules.Length);

        // A peer that leaves takes its rules with it; only this node's are saved.
        store.ApplyPeer("n2", []);
        Assert.Equal(["mine"], store.Rules.Select(r => r.Id));
    }

    [Fact]
    public void AHostilePeersBadRules_AreDroppedWithALogLine_AndTheGoodOnesKept()
    {
        var logger = new RecordingLogger();
        var store = Store("n1", logger);
        store.TryAdd([Split("web", "mine")], out _, out _);

        store.ApplyPeer("evil", [Split("web", "mine"), Split("web"), Split("web", "w") with { Route = null }, null, Split("web", "ok"), Split("web", "ok"), Split("web", new string('x', 300))]);

        Assert.Equal(["mine", "ok"], store.Rules.Select(r => r.Id).Order());
        Assert.Equal("n1", store.OwnerOf("mine"));
        Assert.Equal(6, logger.Lines.Count(l => l.Contains("of node evil is not used here", StringComparison.Ordinal)));
    }

    private static string Amalgam8Json(A8Rule rule) =>
        System.Text.Json.JsonSerializer.Serialize(new A8RuleSet([rule]), RuleJsonContext.Default.A8RuleSet);
}
