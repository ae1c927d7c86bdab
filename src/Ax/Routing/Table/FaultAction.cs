namespace Ax.Routing;

/// <summary>
/// A compiled fault action: with <see cref="Probability"/>, on connects to a server carrying all of
/// <see cref="Tags"/>, wait <see cref="Delay"/> before connecting, or refuse (<see cref="Abort"/>).
/// </summary>
internal sealed record FaultAction(bool Abort, TimeSpan Delay, double Probability, string[] Tags);
