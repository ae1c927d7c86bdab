namespace Ax.Routing.Amalgam8;

/// <summary>
/// One Amalgam8 rule: for connections to <see cref="Destination"/> (an app's --name or a vservice's name)
/// that <see cref="Match"/> selects, either a <see cref="Route"/> (which backends, by tags and weights) or
/// <see cref="Actions"/> (delay, abort, trace). Rules are tried by descending <see cref="Priority"/>; the
/// first that matches wins.
/// </summary>
internal sealed record A8Rule(
    string Destination,
    string? Id = null,
    double Priority = 0,
    string[]? Tags = null,
    A8Match? Match = null,
    A8Route? Route = null,
    A8Action[]? Actions = null);
