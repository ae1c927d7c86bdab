namespace Ax.Routing.Rules;

/// <summary>The answer to a POST of rules, as Amalgam8's controller gives it: <c>{"ids": [...]}</c>, in the order the rules were sent.</summary>
internal sealed record RuleIds(string[] Ids);
