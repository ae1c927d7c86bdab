namespace Ax.Routing.Rules;

/// <summary>How a change to the rule store ended; anything but <see cref="Done"/> changed nothing.</summary>
internal enum RuleOutcome
{
    Done,

    /// <summary>A rule breaks the schema, or the request makes no sense (400).</summary>
    Invalid,

    /// <summary>An id the request names is not in the store (404).</summary>
    NotFound,

    /// <summary>A rule the request would change belongs to another node of the cluster (409).</summary>
    Conflict,
}
