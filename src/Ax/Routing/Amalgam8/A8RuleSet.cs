namespace Ax.Routing.Amalgam8;

/// <summary>An Amalgam8 rules document: <c>{"rules": [...]}</c> in JSON or YAML (amalgam8 pkg/api/rules-schema.json).</summary>
internal sealed record A8RuleSet(A8Rule[] Rules);
