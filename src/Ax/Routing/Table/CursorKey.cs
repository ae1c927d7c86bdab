namespace Ax.Routing;

/// <summary>Names one round-robin rotation: a rule's backend (<see cref="RuleScope"/>, rule id, backend index) or a vservice (<see cref="VServiceScope"/>, name, 0).</summary>
internal readonly record struct CursorKey(string Scope, string Name, int Index)
{
    internal const string RuleScope = "rule";
    internal const string VServiceScope = "vservice";
}
