using Ax.Addressing;
using Ax.Interception;

namespace Ax.VServices;

/// <summary>
/// A client socket connected through a vservice (by its SO_COOKIE) -> the vIP:vport the app dialled and
/// the backend it really reached, so that the app's getpeername shows what it dialled (as a kernel would)
/// rather than the backend. The cookie names the socket itself and is never reused while the system
/// runs (sock_gen_cookie, net/core/sock_diag.c), so a later socket on the same local port cannot take
/// over a note; an entry still counts only while its backend is the socket's real peer (a datagram socket
/// may connect again). Bounded like <see cref="ClientAddressMap"/>: when full it forgets its oldest note
/// first, one at a time. Used only where the kernel cannot keep the note on the socket itself
/// (PeerAddresses/PeerAddressRewriter.cs).
/// </summary>
internal sealed class VServiceClientMap(int capacity = VServiceClientMap.DefaultCapacity)
{
    internal const int DefaultCapacity = 65536;
    private readonly OldestFirstMap<ulong, (Ipv4Endpoint Dialled, Ipv4Endpoint Backend)> _clients = new(capacity);

    internal bool IsEmpty => _clients.IsEmpty;

    /// <summary>SO_COOKIE (socket(7), Linux 4.12): the socket's 64-bit identity, the map's key.</summary>
    internal static unsafe Errno TryGetCookie(NodeSocket socket, out ulong cookie)
    {
        ulong value = 0;
        uint length = sizeof(ulong);
        if (Interop.Libc.GetSockOpt(socket.Fd, Interop.Libc.SOL_SOCKET, Interop.Libc.SO_COOKIE, &value, &length) != 0)
        {
            cookie = 0;
            return Interop.LastErrno();
        }

        cookie = value;
        return Errno.None;
    }

    internal void Record(ulong clientCookie, Ipv4Endpoint dialled, Ipv4Endpoint backend) => _clients.Set(clientCookie, (dialled, backend));

    /// <summary>The address the app dialled, when the socket <paramref name="clientCookie"/> connected to <paramref name="realPeer"/> through a vservice.</summary>
    internal bool TryGetDialled(ulong clientCookie, Ipv4Endpoint realPeer, out Ipv4Endpoint dialled)
    {
        if (_clients.TryGetValue(clientCookie, out var entry) && entry.Backend == realPeer)
        {
            dialled = entry.Dialled;
            return true;
        }

        dialled = default;
        return false;
    }
}
