namespace Ax.Contracts;

/// <summary>The daemon's answer to a <see cref="RunRequest"/>: an app id, or one sentence saying why not.</summary>
public sealed record RunReply(string? AppId, string? Error);
