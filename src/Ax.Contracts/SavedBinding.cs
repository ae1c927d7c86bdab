namespace Ax.Contracts;

/// <summary>One saved binding: the pool port ax bound for an app, and the address the app asked for.</summary>
public sealed record SavedBinding(int HostPort, string AppId, string VirtualAddr);
