namespace Ax.Routing.Amalgam8;

/// <summary>
/// A fault or trace action: <c>delay</c> (<see cref="Duration"/> seconds), <c>abort</c>
/// (<see cref="ReturnCode"/>) or <c>trace</c>, applied with <see cref="Probability"/> to servers carrying <see cref="Tags"/>.
/// </summary>
internal sealed record A8Action(
    string Action,
    double? Probability = null,
    string[]? Tags = null,
    double? Duration = null,
    double? ReturnCode = null,
    string? LogKey = null,
    string? LogValue = null);
