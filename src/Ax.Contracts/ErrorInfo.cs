namespace Ax.Contracts;

/// <summary>The body of every non-2xx REST answer: one sentence for a person.</summary>
public sealed record ErrorInfo(string Error);
