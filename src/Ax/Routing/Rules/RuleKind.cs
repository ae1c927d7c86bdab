namespace Ax.Routing.Rules;

/// <summary>Which rules a listing wants: all, only route rules, or only action rules (the controller's /v1/rules/routes and /actions).</summary>
internal enum RuleKind
{
    Any,
    Route,
    Actions,
}
