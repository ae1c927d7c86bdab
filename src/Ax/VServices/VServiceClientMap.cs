using System.Collections.Concurrent;
using Ax.Addressing;

namespace Ax.VServices;

/// <summary>
/// Host address of a client connection made through a vservice -> the vIP:vport the app dialled and the
/// backend it really reached, so that the app's getpeername shows what it dialled (as a kernel would)
/// rather than the backend. Bounded like <see cref="Interception.ClientAddressMap"/>: it starts over
/// when full, and an entry counts only while its backend is still the socket's real peer. Used only
/// where the kernel cannot keep the note on the socket itself (PeerAddresses/PeerAddressRewriter.cs).
/// </summary>
internal sealed class VServiceClientMap
{
    private const int Capacity = 65536;
    private readonly ConcurrentDictionary<Ipv4Endpoint, (Ipv4Endpoint Dialled, Ipv4Endpoint Backend)> _clients = new();

    internal bool IsEmpty => _clients.IsEmpty;

    internal void Record(Ipv4Endpoint clientHostAddr, Ipv4Endpoint dialled, Ipv4Endpoint backend)
    {
        if (_clients.Count >= Capacity)
        {
            _clients.Clear();
        }

        _clients[clientHostAddr] = (dialled, backend);
    }

    /// <summary>The address the app dialled, when <paramref name="clientHostAddr"/> connected to <paramref name="realPeer"/> through a vservice.</summary>
    internal bool TryGetDialled(Ipv4Endpoint clientHostAddr, Ipv4Endpoint realPeer, out Ipv4Endpoint dialled)
    {
        if (_clients.TryGetValue(clientHostAddr, out var entry) && entry.Backend == realPeer)
        {
            dialled = entry.Dialled;
            return true;
        }

        dialled = default;
        return false;
    }
}
