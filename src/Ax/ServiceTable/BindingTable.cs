using System.Collections.Concurrent;

namespace Ax.ServiceTable;

/// <summary>
/// Pool port -> what the app bound there, so getsockname can show the app the address it asked for.
/// An entry may outlive its socket; it is overwritten when the kernel gives the port out again and
/// removed when its service or app goes away.
/// </summary>
internal sealed class BindingTable
{
    private readonly ConcurrentDictionary<ushort, Binding> _bindings = new();
    private long _version;

    /// <summary>Grows with every change, so the state saver can tell whether there is anything new to save.</summary>
    internal long Version => Interlocked.Read(ref _version);

    internal IEnumerable<KeyValuePair<ushort, Binding>> All => _bindings;

    internal void Set(ushort hostPort, Binding binding)
    {
        _bindings[hostPort] = binding;
        Interlocked.Increment(ref _version);
    }

    internal bool TryGet(ushort hostPort, out Binding? binding) => _bindings.TryGetValue(hostPort, out binding);

    /// <summary>
    /// The host port where <paramref name="appId"/> already bound <paramref name="virtualPort"/>, if it did: at
    /// NODE-IP, or for an IPv6-only wildcard (<paramref name="onIpv6Loopback"/>) on the node's [::1]. A scan:
    /// only binds of a fixed port and loopback connects ask, and an app holds few bindings.
    /// </summary>
    internal bool TryFindHostPort(string appId, ushort virtualPort, out ushort hostPort, bool onIpv6Loopback = false)
    {
        foreach (var pair in _bindings)
        {
            if (pair.Value.VirtualAddr.Port == virtualPort && pair.Value.AppId == appId && pair.Value.OnIpv6Loopback == onIpv6Loopback)
            {
                hostPort = pair.Key;
                return true;
            }
        }

        hostPort = 0;
        return false;
    }

    internal void Remove(ushort hostPort)
    {
        if (_bindings.TryRemove(hostPort, out _))
        {
            Interlocked.Increment(ref _version);
        }
    }

    internal void RemoveApp(string appId)
    {
        foreach (var pair in _bindings)
        {
            if (pair.Value.AppId == appId)
            {
                _bindings.TryRemove(pair);
                Interlocked.Increment(ref _version);
            }
        }
    }
}
