namespace Ax.Contracts;

/// <summary>The node's service table and bindings as saved in run-dir/state/services.json.</summary>
public sealed record SavedServiceTable(IReadOnlyList<SavedService> Services, IReadOnlyList<SavedBinding> Bindings);
