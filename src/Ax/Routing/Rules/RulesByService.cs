using Ax.Routing.Amalgam8;

namespace Ax.Routing.Rules;

/// <summary>The answer of GET /v1/rules/routes and /v1/rules/actions, as Amalgam8's controller groups it: <c>{"services": {"reviews": [rules...]}}</c>.</summary>
internal sealed record RulesByService(SortedDictionary<string, A8Rule[]> Services);
