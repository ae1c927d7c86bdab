using Ax.Addressing;

namespace Ax.Routing;

/// <summary>Where the kernel cannot count connections: nothing is tracked and every server reads as idle and healthy.</summary>
internal sealed class NoConnectionCounts : IConnectionCounts
{
    internal static NoConnectionCounts Instance { get; } = new();

    public bool Track(int socketFd, Ipv4Endpoint server) => false;

    public ConnectionCounts Read(Ipv4Endpoint server) => default;

    public void Forget(Ipv4Endpoint server)
    {
    }
}
