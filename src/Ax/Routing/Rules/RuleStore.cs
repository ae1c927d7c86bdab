using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Ax.Daemon;
using Ax.Routing.Amalgam8;
using Microsoft.Extensions.Logging;

namespace Ax.Routing.Rules;

/// <summary>
/// The Amalgam8 rules of this daemon, for the CLI, the REST API (ax's and the Amalgam8 controller's routes) and
/// the routing engine (<see cref="IRuleSource"/>). A rule belongs to the node that created it, as a vservice
/// does: only that node replaces or deletes it, and saves it under run-dir/state/rules.json; the table sync
/// brings every other node's (<see cref="ApplyPeer"/>), so <see cref="Rules"/> holds the whole cluster's.
/// Every change is all or nothing (a set with one bad rule changes nothing) and publishes a new snapshot,
/// swapped whole, then raises <see cref="Changed"/>. A rule for a destination that does not exist is kept:
/// it applies once an app or vservice of that name appears.
/// </summary>
internal sealed partial class RuleStore : IRuleSource
{
    internal const string StateName = "rules";

    /// <summary>The most rules one node may own: far above any real mesh, low enough that a loop posting rules cannot exhaust the daemon.</summary>
    internal const int MaxLocalRules = 10_000;

    /// <summary>An id is a name in URLs and tables: at most this long, no control characters.</summary>
    internal const int MaxIdLength = 256;

    private readonly Lock _lock = new();
    private readonly string _localNode;
    private readonly DaemonState? _state;
    private readonly ILogger _logger;
    private readonly Dictionary<string, A8Rule> _local = new(StringComparer.Ordinal);
    private readonly Dictionary<string, A8Rule[]> _peers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _peerOwner = new(StringComparer.Ordinal);

    // An array behind a volatile reference: ImmutableArray is a struct, which Volatile cannot swap.
    private volatile A8Rule[] _rules = [];
    private long _revision;
    private long _localRevision;

    internal RuleStore(string localNode, DaemonState? state, ILogger logger)
    {
        _localNode = localNode;
        _state = state;
        _logger = logger;
    }

    public event Action? Changed;

    /// <summary>Every node's rules, by destination, then descending priority, then id.</summary>
    public ImmutableArray<A8Rule> Rules => ImmutableCollectionsMarshal.AsImmutableArray(_rules);

    /// <summary>A counter of changes, as the controller's <c>revision</c>: it grows with every change.</summary>
    internal long Revision => Interlocked.Read(ref _revision);

    /// <summary>A counter of changes to this node's own rules only (a peer's change leaves it): what the cluster table is rebuilt on.</summary>
    internal long LocalRevision => Interlocked.Read(ref _localRevision);

    /// <summary>This node's own rules as the cluster table carries them: each rule's Amalgam8 JSON, in id order.</summary>
    internal string[] LocalRulesJson() =>
        [.. LocalRules().Select(static r => System.Text.Json.JsonSerializer.Serialize(r, RuleJsonContext.Default.A8Rule)).Order(StringComparer.Ordinal)];

    /// <summary>
    /// A peer's rules as the cluster table carries them (<see cref="LocalRulesJson"/>): each read strictly on its
    /// own, so one that does not parse is logged and left out and the others still apply (<see cref="ApplyPeer(string, IReadOnlyList{A8Rule?})"/>).
    /// </summary>
    internal void ApplyPeerJson(string node, IReadOnlyList<string> rulesJson)
    {
        var rules = new List<A8Rule?>(rulesJson.Count);
        foreach (string text in rulesJson)
        {
            try
            {
                rules.Add(System.Text.Json.JsonSerializer.Deserialize(text, RuleJsonContext.Default.A8Rule));
            }
            catch (System.Text.Json.JsonException ex)
            {
                Log.PeerRefused(_logger, "(unreadable)", node, ex.Message.ReplaceLineEndings(" "));
            }
        }

        ApplyPeer(node, rules);
    }

    /// <summary>The rules this node owns (saved here, published to its peers), in <see cref="Rules"/>' order.</summary>
    internal A8Rule[] LocalRules()
    {
        lock (_lock)
        {
            return Sorted(_local.Values);
        }
    }

    /// <summary>The rules that pass <paramref name="filter"/>, with the revision they are of.</summary>
    internal (A8Rule[] Rules, long Revision) List(RuleFilter filter)
    {
        lock (_lock)
        {
            return ([.. _rules.Where(filter.Matches)], _revision);
        }
    }

    /// <summary>The node that owns the rule <paramref name="id"/>; null when there is none.</summary>
    internal string? OwnerOf(string id)
    {
        lock (_lock)
        {
            return _local.ContainsKey(id) ? _localNode : _peerOwner.GetValueOrDefault(id);
        }
    }

    /// <summary>
    /// Adds <paramref name="rules"/>, all or none. A rule without an id gets a fresh one (a UUID, as Amalgam8's
    /// controller gives); one with the id of a rule of this node replaces it (the controller's POST does the
    /// same); one with the id of another node's rule is a conflict. <paramref name="ids"/> are in the order sent.
    /// </summary>
    internal RuleOutcome TryAdd(IReadOnlyList<A8Rule> rules, out string[] ids, out string? problem)
    {
        ids = [];
        if (!TryCheck(rules, idsRequired: false, out problem))
        {
            return RuleOutcome.Invalid;
        }

        var added = new A8Rule[rules.Count];
        lock (_lock)
        {
            for (int i = 0; i < rules.Count; i++)
            {
                if (rules[i].Id is { Length: > 0 } id && _peerOwner.TryGetValue(id, out string? owner))
                {
                    problem = OwnedElsewhere($"rules[{i}].id", id, owner);
                    return RuleOutcome.Conflict;
                }

                added[i] = rules[i].Id is { Length: > 0 } ? rules[i] : rules[i] with { Id = Guid.NewGuid().ToString() };
            }

            int fresh = added.Count(r => !_local.ContainsKey(r.Id!));
            if (_local.Count + fresh > MaxLocalRules)
            {
                problem = $"this node would own {_local.Count + fresh} rules; it keeps at most {MaxLocalRules}; delete some first";
                return RuleOutcome.Invalid;
            }

            foreach (A8Rule rule in added)
            {
                _local[rule.Id!] = rule;
            }

            PublishLocked(save: true);
        }

        ids = [.. added.Select(static r => r.Id!)];
        Log.Added(_logger, ids.Length, string.Join(' ', ids));
        Changed?.Invoke();
        return RuleOutcome.Done;
    }

    /// <summary>Replaces rules by their ids (the controller's PUT), all or none: every id must name a rule of this node.</summary>
    internal RuleOutcome TryReplace(IReadOnlyList<A8Rule> rules, out string? problem)
    {
        if (!TryCheck(rules, idsRequired: true, out problem))
        {
            return RuleOutcome.Invalid;
        }

        lock (_lock)
        {
            for (int i = 0; i < rules.Count; i++)
            {
                string id = rules[i].Id!;
                if (_peerOwner.TryGetValue(id, out string? owner))
                {
                    problem = OwnedElsewhere($"rules[{i}].id", id, owner);
                    return RuleOutcome.Conflict;
                }

                if (!_local.ContainsKey(id))
                {
                    problem = $"rules[{i}].id: there is no rule '{id}' to replace; create it with POST (ax create rule) instead";
                    return RuleOutcome.NotFound;
                }
            }

            foreach (A8Rule rule in rules)
            {
                _local[rule.Id!] = rule;
            }

            PublishLocked(save: true);
        }

        Log.Replaced(_logger, rules.Count, string.Join(' ', rules.Select(static r => r.Id)));
        Changed?.Invoke();
        return RuleOutcome.Done;
    }

    /// <summary>
    /// Deletes the rules <paramref name="filter"/> selects, all or none: when one of them belongs to another
    /// node nothing is deleted (409). With <paramref name="everyIdMustExist"/>, an id of the filter that names
    /// no rule is an error (ax's own API); without it such an id is skipped (the controller's DELETE).
    /// </summary>
    internal RuleOutcome TryDelete(RuleFilter filter, bool everyIdMustExist, out string[] deleted, out string? problem)
    {
        deleted = [];
        problem = null;
        string[] gone;
        lock (_lock)
        {
            if (everyIdMustExist && filter.Ids.FirstOrDefault(id => !_local.ContainsKey(id) && !_peerOwner.ContainsKey(id)) is { } missing)
            {
                problem = $"there is no rule '{missing}'; 'ax get rules' lists them";
                return RuleOutcome.NotFound;
            }

            A8Rule[] chosen = [.. _rules.Where(filter.Matches)];
            if (chosen.FirstOrDefault(r => _peerOwner.ContainsKey(r.Id!)) is { } foreign)
            {
                problem = OwnedElsewhere("id", foreign.Id!, _peerOwner[foreign.Id!]);
                return RuleOutcome.Conflict;
            }

            foreach (A8Rule rule in chosen)
            {
                _local.Remove(rule.Id!);
            }

            gone = [.. chosen.Select(static r => r.Id!)];
            deleted = gone;
            if (gone.Length == 0)
            {
                return RuleOutcome.Done;
            }

            PublishLocked(save: true);
        }

        Log.Deleted(_logger, gone.Length, string.Join(' ', gone));
        Changed?.Invoke();
        return RuleOutcome.Done;
    }

    /// <summary>Brings back the rules an earlier daemon of this node saved; one that no longer passes the checks is logged and dropped.</summary>
    internal void Restore()
    {
        A8RuleSet? saved = _state?.Load(StateName, RuleJsonContext.Default.A8RuleSet);
        if (saved is null)
        {
            return;
        }

        int restored = 0;
        lock (_lock)
        {
            foreach (A8Rule? rule in saved.Rules ?? [])
            {
                string? why = rule is null ? "it is empty" : IdProblem(rule.Id, "id") ?? A8RuleValidation.Problem(rule);
                if (why is not null || _local.Count >= MaxLocalRules)
                {
                    Log.NotRestored(_logger, rule?.Id ?? "(no id)", why ?? $"this node keeps at most {MaxLocalRules} rules");
                    continue;
                }

                _local[rule!.Id!] = rule;
                restored++;
            }

            // The file now says what really came back.
            PublishLocked(save: true);
        }

        Log.Restored(_logger, restored);
        Changed?.Invoke();
    }

    /// <summary>
    /// Makes <paramref name="node"/>'s rules here exactly <paramref name="rules"/> (that peer's latest copy; empty
    /// when it left). A rule that breaks the schema, lacks an id or has the id of a rule another node owns is
    /// logged and left out: a peer's bad rule never stops the others, nor this daemon.
    /// </summary>
    internal void ApplyPeer(string node, IReadOnlyList<A8Rule?> rules)
    {
        if (node == _localNode)
        {
            return;
        }

        lock (_lock)
        {
            foreach (A8Rule old in _peers.GetValueOrDefault(node) ?? [])
            {
                _peerOwner.Remove(old.Id!);
            }

            var kept = new List<A8Rule>(rules.Count);
            foreach (A8Rule? rule in rules.Take(MaxLocalRules))
            {
                string? why = rule is null ? "it is empty" : IdProblem(rule.Id, "id") ?? A8RuleValidation.Problem(rule);
                if (why is null && (_local.ContainsKey(rule!.Id!) || _peerOwner.TryGetValue(rule.Id!, out _)))
                {
                    why = $"id: rule '{rule.Id}' already belongs to node {OwnerLocked(rule.Id!)}";
                }

                if (why is not null)
                {
                    Log.PeerRefused(_logger, rule?.Id ?? "(no id)", node, why);
                    continue;
                }

                _peerOwner[rule!.Id!] = node;
                kept.Add(rule);
            }

            if (kept.Count == 0)
            {
                _peers.Remove(node);
            }
            else
            {
                _peers[node] = [.. kept];
            }

            PublishLocked(save: false);
        }

        Changed?.Invoke();
    }

    private string OwnerLocked(string id) => _local.ContainsKey(id) ? _localNode : _peerOwner[id];

    private static string OwnedElsewhere(string path, string id, string owner) =>
        $"{path}: rule '{id}' was created on node {owner}, which alone may change or delete it; run the command there";

    /// <summary>The checks every rule of a request passes before anything changes: the schema, sane ids, no id twice.</summary>
    private static bool TryCheck(IReadOnlyList<A8Rule> rules, bool idsRequired, out string? problem)
    {
        problem = null;
        if (rules.Count == 0)
        {
            problem = "no rules given; send {\"rules\": [...]} with at least one rule";
            return false;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < rules.Count; i++)
        {
            A8Rule rule = rules[i];
            string at = $"rules[{i}]";
            problem = (idsRequired || rule.Id is not null ? IdProblem(rule.Id, at + ".id") : null) ?? A8RuleValidation.Problem(rule, at);
            if (problem is not null)
            {
                return false;
            }

            if (rule.Id is { } id && !seen.Add(id))
            {
                problem = $"{at}.id: '{id}' is given to two rules of the set; each rule needs its own id";
                return false;
            }
        }

        return true;
    }

    private static string? IdProblem(string? id, string path) =>
        string.IsNullOrWhiteSpace(id) ? $"{path}: is missing or empty; a rule here needs its id"
        : id.Length > MaxIdLength ? $"{path}: is {id.Length} characters long; an id has at most {MaxIdLength}"
        : id.Any(char.IsControl) ? $"{path}: holds a control character; an id is printable text"
        : null;

    private void PublishLocked(bool save)
    {
        _rules = Sorted(_local.Values.Concat(_peers.Values.SelectMany(static r => r)));
        Interlocked.Increment(ref _revision);
        if (save)
        {
            Interlocked.Increment(ref _localRevision);
            _state?.Save(StateName, new A8RuleSet(Sorted(_local.Values)), RuleJsonContext.Default.A8RuleSet);
        }
    }

    private static A8Rule[] Sorted(IEnumerable<A8Rule> rules) =>
        [.. rules.OrderBy(static r => r.Destination, StringComparer.Ordinal).ThenByDescending(static r => r.Priority).ThenBy(static r => r.Id, StringComparer.Ordinal)];

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{Count} rule(s) added or replaced: {Ids}")]
        internal static partial void Added(ILogger logger, int count, string ids);

        [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "{Count} rule(s) replaced: {Ids}")]
        internal static partial void Replaced(ILogger logger, int count, string ids);

        [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "{Count} rule(s) deleted: {Ids}")]
        internal static partial void Deleted(ILogger logger, int count, string ids);

        [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "restored {Count} saved rule(s)")]
        internal static partial void Restored(ILogger logger, int count);

        [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "saved rule {Id} not restored: {Problem}")]
        internal static partial void NotRestored(ILogger logger, string id, string problem);

        [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "rule {Id} of node {Node} is not used here: {Problem}")]
        internal static partial void PeerRefused(ILogger logger, string id, string node, string problem);
    }
}
