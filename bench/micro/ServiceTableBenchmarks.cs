using System.Globalization;
using Ax.Addressing;
using Ax.Apps;
using Ax.Policy;
using Ax.Routing;
using Ax.ServiceTable;

namespace Ax.Micro;

/// <summary>
/// The cost of what every connect of an app under ax asks the service table: one lookup of a
/// virtual IP:port among 10,000 services, and the whole routing decision (lookup, label check, pick).
/// </summary>
internal static class ServiceTableBenchmarks
{
    private const int Services = 10_000;
    private const uint NodeIp = 0x0AD5C801; // 10.213.200.1

    internal static IEnumerable<string> Run(int rounds)
    {
        var registry = new ServiceRegistry("node-a");
        LabelSet.TryParse("zone=default,role=prod", out LabelSet? labels, out _);
        for (int i = 0; i < Services; i++)
        {
            // 100 virtual IPs with 100 ports each, like many apps each serving a few ports.
            var serviceAddr = new Ipv4Endpoint(0x01010000u + (uint)(i / 100), (ushort)(8000 + (i % 100)));
            registry.Upsert(new ServiceEntry(
                Guid.NewGuid(), "node-a", "f" + i.ToString("x7", CultureInfo.InvariantCulture), TransportProtocol.Tcp,
                serviceAddr, new Ipv4Endpoint(NodeIp, (ushort)(40000 + i)), serviceAddr, labels!, (ulong)(1000 + i), 128));
        }

        var apps = new AppRegistry();
        var client = new AppRecord("f0000001", "client", labels!, NodeIp, false, 1, ["curl"]);
        apps.Add(client);
        var router = new RoutingEngine(registry, apps, NodeIp);

        var hits = new Ipv4Endpoint[1024];
        var random = new Random(42);
        for (int i = 0; i < hits.Length; i++)
        {
            int k = random.Next(Services);
            hits[i] = new Ipv4Endpoint(0x01010000u + (uint)(k / 100), (ushort)(8000 + (k % 100)));
        }

        var cases = new (string Variant, Func<int, long> Operation)[]
        {
            ("lookup_hit", n =>
            {
                long found = 0;
                ServiceSnapshot snapshot = registry.Current;
                for (int i = 0; i < n; i++)
                {
                    found += snapshot.Lookup(TransportProtocol.Tcp, hits[i & 1023]).Length;
                }

                return found;
            }),
            ("lookup_miss", n =>
            {
                long found = 0;
                ServiceSnapshot snapshot = registry.Current;
                for (int i = 0; i < n; i++)
                {
                    found += snapshot.Lookup(TransportProtocol.Tcp, new Ipv4Endpoint(0x02020202, (ushort)(i & 0x7fff))).Length;
                }

                return found;
            }),
            ("route", n =>
            {
                long port = 0;
                for (int i = 0; i < n; i++)
                {
                    port += router.Route(client, TransportProtocol.Tcp, hits[i & 1023]).Target.Port;
                }

                return port;
            }),
        };

        // Round 0 is a warm-up, for the JIT's tiers and the caches; it is not reported.
        for (int round = 0; round <= rounds; round++)
        {
            foreach (var (variant, operation) in cases)
            {
                double ns = Measure.NanosecondsPerOp(operation);
                if (round == 0)
                {
                    continue;
                }

                yield return string.Create(CultureInfo.InvariantCulture,
                    $"{{\"workload\":\"lookup\",\"variant\":\"{variant}\",\"round\":{round},\"value\":{ns:F1},\"unit\":\"ns\",\"services\":{Services}}}");
            }
        }
    }
}
