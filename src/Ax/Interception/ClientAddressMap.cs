using Ax.Addressing;

namespace Ax.Interception;

/// <summary>
/// Host address of a client connection -> the client app's own IP, so that a server under ax sees its
/// peer's virtual IP in getpeername (the seed's "client IP preservation"). Only clients with an --ip are
/// recorded. The map is bounded: when full it forgets its oldest record, one per new one (a miss shows the
/// real node address), so only a connection recorded before the last 65,536 loses its answer, never
/// every live one at once.
/// Used only where the daemon cannot load its client-address programs (PeerAddresses/), which answer
/// accept and recvfrom too, exactly, and with no wait.
/// </summary>
/// <remarks>
/// The client's local port exists only once its connect has started, and on a fast path the server can
/// accept and ask getpeername before the client's session thread has recorded it. So a client connect
/// in flight is counted (<see cref="BeginConnect"/>/<see cref="EndConnect"/>), and a miss on a
/// node-local peer waits, briefly and only while such a connect is in flight, for the record to land.
/// </remarks>
internal sealed class ClientAddressMap
{
    internal const int DefaultCapacity = 65536;

    /// <summary>The longest a server's getpeername waits for a client's record; a connect records within microseconds.</summary>
    private static readonly TimeSpan MaxWait = TimeSpan.FromMilliseconds(50);

    private readonly OldestFirstMap<Ipv4Endpoint, uint> _clients;
    private readonly object _gate = new();
    private int _inFlight;
    private int _waiters;

    internal ClientAddressMap(int capacity = DefaultCapacity) => _clients = new OldestFirstMap<Ipv4Endpoint, uint>(capacity);

    internal void BeginConnect() => Interlocked.Increment(ref _inFlight);

    internal void EndConnect()
    {
        // Dekker-style with the waiter: both sides write with a full fence, then read the other's
        // counter, so a getpeername about to wait is always seen here, and the lock is taken on the
        // connect path only when someone waits.
        Interlocked.Decrement(ref _inFlight);
        if (Volatile.Read(ref _waiters) == 0)
        {
            return;
        }

        lock (_gate)
        {
            Monitor.PulseAll(_gate);
        }
    }

    internal void Record(Ipv4Endpoint hostAddr, uint clientIp) => _clients.Set(hostAddr, clientIp);

    internal bool TryGet(Ipv4Endpoint hostAddr, out uint clientIp) => _clients.TryGetValue(hostAddr, out clientIp);

    /// <summary>As <see cref="TryGet"/>, but a miss waits while some client connect is still being recorded.</summary>
    internal bool TryGetOrWait(Ipv4Endpoint hostAddr, out uint clientIp)
    {
        if (_clients.TryGetValue(hostAddr, out clientIp))
        {
            return true;
        }

        if (Volatile.Read(ref _inFlight) == 0)
        {
            return _clients.TryGetValue(hostAddr, out clientIp);
        }

        long deadline = Environment.TickCount64 + (long)MaxWait.TotalMilliseconds;
        lock (_gate)
        {
            Interlocked.Increment(ref _waiters);
            try
            {
                while (!_clients.TryGetValue(hostAddr, out clientIp) && Volatile.Read(ref _inFlight) > 0)
                {
                    long left = deadline - Environment.TickCount64;
                    if (left <= 0 || !Monitor.Wait(_gate, (int)left))
                    {
                        return _clients.TryGetValue(hostAddr, out clientIp);
                    }
                }
            }
            finally
            {
                Interlocked.Decrement(ref _waiters);
            }
        }

        return _clients.TryGetValue(hostAddr, out clientIp);
    }
}
