namespace Ax.Contracts;

/// <summary>The daemon's answer to a <see cref="RunRequest"/>: an app id, or one sentence saying why not.</summary>
/// <param name="NodeIp">The node's IP, which <c>ax run --interface</c> puts on the app's interface.</param>
public sealed record RunReply(string? AppId, string? Error, string? NodeIp = null);
