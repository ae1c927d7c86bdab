using System.Collections.Concurrent;
using Ax.Addressing;

namespace Ax.Interception;

/// <summary>
/// Host address of a client connection -> the client app's own IP, so that a server under ax sees its
/// peer's virtual IP in getpeername (the seed's "client IP preservation"). Only clients with an --ip are
/// recorded; the map is bounded and simply starts over when full (a miss shows the real node address).
/// </summary>
internal sealed class ClientAddressMap
{
    private const int Capacity = 65536;
    private readonly ConcurrentDictionary<Ipv4Endpoint, uint> _clients = new();

    internal void Record(Ipv4Endpoint hostAddr, uint clientIp)
    {
        if (_clients.Count >= Capacity)
        {
            _clients.Clear();
        }

        _clients[hostAddr] = clientIp;
    }

    internal bool TryGet(Ipv4Endpoint hostAddr, out uint clientIp) => _clients.TryGetValue(hostAddr, out clientIp);
}
