using System.Diagnostics.CodeAnalysis;
using Ax.Addressing;
using Ax.Dns;

namespace Ax.VServices;

/// <summary>
/// The node's vservices. Writers (the REST API, state restore) serialize on a lock and publish a new
/// <see cref="VServiceSnapshot"/>; connect-time and DNS readers take the current one without locking,
/// as <see cref="ServiceTable.ServiceRegistry"/> does.
/// </summary>
internal sealed class VServiceRegistry : INameSource
{
    private readonly Lock _writeLock = new();
    private VServiceSnapshot _snapshot = VServiceSnapshot.Empty;

    /// <summary>Raised after a vservice is added or removed, on the writer's thread; handlers must not block.</summary>
    internal event Action? Changed;

    internal VServiceSnapshot Current => Volatile.Read(ref _snapshot);

    /// <summary>Adds <paramref name="vservice"/> unless its name or one of its vIP:vport pairs is taken.</summary>
    internal bool TryAdd(VService vservice, [NotNullWhen(false)] out string? problem)
    {
        lock (_writeLock)
        {
            problem = Conflict(_snapshot, vservice);
            if (problem is not null)
            {
                return false;
            }

            Volatile.Write(ref _snapshot, _snapshot.With(vservice));
        }

        Changed?.Invoke();
        return true;
    }

    /// <summary>
    /// Makes <paramref name="node"/>'s vservices exactly <paramref name="vservices"/> (a peer's latest copy). One
    /// that clashes with a vservice of another node (two nodes created the same name at once) is left out
    /// and returned in <paramref name="refused"/>, with the reason.
    /// </summary>
    internal void ReplacePeer(string node, IReadOnlyList<VService> vservices, out List<(VService VService, string Problem)> refused)
    {
        refused = [];
        lock (_writeLock)
        {
            VServiceSnapshot next = _snapshot;
            foreach (VService old in _snapshot.ByName.Values.Where(v => v.Node == node))
            {
                next = next.Without(old);
            }

            foreach (VService vservice in vservices)
            {
                if (Conflict(next, vservice) is { } problem)
                {
                    refused.Add((vservice, problem));
                    continue;
                }

                next = next.With(vservice);
            }

            Volatile.Write(ref _snapshot, next);
        }

        Changed?.Invoke();
    }

    /// <summary>The reason <paramref name="vservice"/> cannot be added now, or null.</summary>
    internal string? Conflict(VService vservice) => Conflict(Current, vservice);

    internal bool TryRemove(string name, [NotNullWhen(true)] out VService? removed)
    {
        lock (_writeLock)
        {
            if (!_snapshot.ByName.TryGetValue(name, out removed))
            {
                return false;
            }

            Volatile.Write(ref _snapshot, _snapshot.Without(removed));
        }

        Changed?.Invoke();
        return true;
    }

    /// <summary>vservice name -> vIP, for the built-in DNS server.</summary>
    public bool TryResolve(string name, out uint address)
    {
        if (Current.ByName.TryGetValue(name, out VService? vservice))
        {
            address = vservice.Vip;
            return true;
        }

        address = 0;
        return false;
    }

    private static string? Conflict(VServiceSnapshot snapshot, VService vservice)
    {
        if (snapshot.ByName.ContainsKey(vservice.Name))
        {
            VService existing = snapshot.ByName[vservice.Name];
            string where = existing.Node.Length == 0 || existing.Node == vservice.Node ? string.Empty : $" (created on node {existing.Node})";
            return $"a vservice named '{vservice.Name}' already exists{where}; delete it first with 'ax delete vservice {vservice.Name}' or choose another name";
        }

        foreach (VServicePortMap port in vservice.Ports)
        {
            var endpoint = new Ipv4Endpoint(vservice.Vip, port.VirtualPort);
            if (snapshot.TryFind(endpoint, out VService? other, out _))
            {
                return $"{endpoint} is already served by vservice '{other!.Name}'; choose another --ip or port";
            }
        }

        return null;
    }
}
