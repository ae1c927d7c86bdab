using Ax.Addressing;

namespace Ax.ServiceTable;

/// <summary>What a client asks for: a protocol and a virtual ip:port.</summary>
internal readonly record struct ServiceKey(TransportProtocol Proto, Ipv4Endpoint ServiceAddr);
