using System.Collections.Concurrent;
using Ax.Contracts;

namespace Ax.Proxies;

/// <summary>The proxies the daemon runs, by id, for <c>ax get proxies</c>.</summary>
internal sealed class ProxyTable
{
    private readonly ConcurrentDictionary<int, TcpProxy> _proxies = new();
    private int _nextId;

    internal int NewId() => Interlocked.Increment(ref _nextId);

    internal void Add(TcpProxy proxy) => _proxies[proxy.Id] = proxy;

    internal void Remove(TcpProxy proxy) => _proxies.TryRemove(proxy.Id, out _);

    internal ProxyInfo[] List() => [.. _proxies.Values.OrderBy(static p => p.Id).Select(static p => p.ToInfo())];
}
