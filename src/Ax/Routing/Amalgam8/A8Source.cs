namespace Ax.Routing.Amalgam8;

/// <summary>The client a rule is for: its service name (the client app's --name) and tags (its labels).</summary>
internal sealed record A8Source(string Name, string[]? Tags = null);
