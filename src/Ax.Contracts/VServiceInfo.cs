namespace Ax.Contracts;

/// <summary>
/// A virtual service (seed 003, "Create vservice"): the body of POST /api/v1/vservices, a row of
/// <c>ax get vservices</c>, and what the daemon saves under run-dir/state.
/// </summary>
/// <param name="Name">The vservice's name, also a DNS name.</param>
/// <param name="LbType">"Random" (the default) or "RoundRobin".</param>
/// <param name="Ip">The virtual IPv4 address clients dial.</param>
/// <param name="Ports">Virtual port to application port pairs.</param>
/// <param name="Backends">IPv4 addresses (the ax services there, on the application port) or ip:port pairs.</param>
/// <param name="External">True when the vservice is also served on the node's IP for clients not under ax.</param>
/// <param name="SourceIp">The host address the node's proxy dials backends from, if any.</param>
/// <param name="Node">The node that created it (set by the daemon; ignored in a request).</param>
public sealed record VServiceInfo(
    string Name,
    string? LbType,
    string Ip,
    IReadOnlyList<VServicePort> Ports,
    IReadOnlyList<string> Backends,
    bool External = false,
    string? SourceIp = null,
    string? Node = null);
