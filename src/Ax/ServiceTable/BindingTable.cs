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

    internal void Set(ushort hostPort, Binding binding) => _bindings[hostPort] = binding;

    internal bool TryGet(ushort hostPort, out Binding? binding) => _bindings.TryGetValue(hostPort, out binding);

    internal void Remove(ushort hostPort) => _bindings.TryRemove(hostPort, out _);

    internal void RemoveApp(string appId)
    {
        foreach (var pair in _bindings)
        {
            if (pair.Value.AppId == appId)
            {
                _bindings.TryRemove(pair);
            }
        }
    }
}
