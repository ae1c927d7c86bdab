namespace Ax.Routing.Amalgam8;

/// <summary>
/// An Amalgam8 rules document: <c>{"rules": [...]}</c> in JSON or YAML (amalgam8 pkg/api/rules-schema.json).
/// <see cref="Revision"/> is what the controller's GET /v1/rules answers with (a counter of changes); it is
/// accepted on input and ignored, so a listing can be edited and sent back as it is.
/// </summary>
internal sealed record A8RuleSet(A8Rule[] Rules, long? Revision = null);
