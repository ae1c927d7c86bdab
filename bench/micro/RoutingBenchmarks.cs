using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Ax.Addressing;
using Ax.Apps;
using Ax.Policy;
using Ax.Routing;
using Ax.Routing.Amalgam8;
using Ax.ServiceTable;

namespace Ax.Micro;

/// <summary>
/// The routing decision with rules loaded (issue 18: 1,000 rules and 10,000 services, p50 &lt;= 2 us): 100 named
/// services with 50 ports each and a v1 and a v2 server behind every port (10,000 rows), and 10 rules per
/// service (1,000): nine that match other clients only, at higher priorities, so every decision walks past
/// them, and a catch-all 25/75 split by version. Next to it the same decision with no rules loaded.
/// </summary>
internal static class RoutingBenchmarks
{
    private const int Apps = 100;
    private const int PortsPerApp = 50;
    private const int RulesPerApp = 10;
    private const uint NodeIp = 0x0AD5C801; // 10.213.200.1

    internal static IEnumerable<string> Run(int rounds)
    {
        var registry = new ServiceRegistry("node-a");
        var apps = new AppRegistry();
        LabelSet.TryParse("zone=default,version=v1", out LabelSet? v1, out _);
        LabelSet.TryParse("zone=default,version=v2", out LabelSet? v2, out _);
        LabelSet.TryParse("zone=default", out LabelSet? clientLabels, out _);
        int row = 0;
        for (int a = 0; a < Apps; a++)
        {
            uint ip = 0x01010000u + (uint)a;
            string id = "f" + a.ToString("x7", CultureInfo.InvariantCulture);
            apps.Add(new AppRecord(id, "svc" + a.ToString(CultureInfo.InvariantCulture), v1!, ip, true, 1000 + a, ["server"]));
            for (int p = 0; p < PortsPerApp; p++)
            {
                var serviceAddr = new Ipv4Endpoint(ip, (ushort)(8000 + p));
                foreach (LabelSet labels in new[] { v1!, v2! })
                {
                    registry.Upsert(new ServiceEntry(Guid.NewGuid(), "node-a", id, TransportProtocol.Tcp, serviceAddr,
                        new Ipv4Endpoint(NodeIp, (ushort)(20000 + row)), serviceAddr.WithAddress(0), labels, (ulong)(1000 + row), 128));
                    row++;
                }
            }
        }

        var client = new AppRecord("f0fffff1", "client", clientLabels!, NodeIp, false, 1, ["curl"]);
        apps.Add(client);
        var plain = new RoutingEngine(registry, apps, NodeIp);
        var ruled = new RoutingEngine(registry, apps, NodeIp, rules: new FixedRules(Rules()));

        var hits = new Ipv4Endpoint[1024];
        var random = new Random(42);
        for (int i = 0; i < hits.Length; i++)
        {
            hits[i] = new Ipv4Endpoint(0x01010000u + (uint)random.Next(Apps), (ushort)(8000 + random.Next(PortsPerApp)));
        }

        var cases = new (string Variant, Func<int, long> Operation)[]
        {
            ("route_no_rules", n => Decide(plain, client, hits, n)),
            ("route_1000_rules", n => Decide(ruled, client, hits, n)),
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
                    $"{{\"workload\":\"lookup\",\"variant\":\"{variant}\",\"round\":{round},\"value\":{ns:F1},\"unit\":\"ns\",\"services\":{row},\"rules\":{(variant == "route_no_rules" ? 0 : Apps * RulesPerApp)}}}");
            }
        }
    }

    private static long Decide(RoutingEngine engine, AppRecord client, Ipv4Endpoint[] hits, int n)
    {
        long port = 0;
        for (int i = 0; i < n; i++)
        {
            port += engine.Route(client, TransportProtocol.Tcp, hits[i & 1023]).Target.Port;
        }

        return port;
    }

    private static ImmutableArray<A8Rule> Rules()
    {
        var json = new StringBuilder("{\"rules\": [");
        for (int a = 0; a < Apps; a++)
        {
            for (int k = 1; k < RulesPerApp; k++)
            {
                json.Append(CultureInfo.InvariantCulture, $"{{\"id\": \"svc{a}-other{k}\", \"priority\": {k + 1}, \"destination\": \"svc{a}\", \"match\": {{\"source\": {{\"name\": \"other{k}\"}}}}, \"route\": {{\"backends\": [{{\"tags\": [\"version=v2\"]}}]}}}},");
            }

            json.Append(CultureInfo.InvariantCulture, $"{{\"id\": \"svc{a}-split\", \"priority\": 1, \"destination\": \"svc{a}\", \"route\": {{\"backends\": [{{\"tags\": [\"version=v2\"], \"weight\": 0.25}}, {{\"tags\": [\"version=v1\"]}}]}}}}{(a == Apps - 1 ? "" : ",")}");
        }

        json.Append("]}");
        if (!A8RuleParser.TryParse(json.ToString(), out A8Rule[]? rules, out string? problem))
        {
            throw new InvalidOperationException(problem);
        }

        return [.. rules];
    }

    private sealed class FixedRules(ImmutableArray<A8Rule> rules) : IRuleSource
    {
        public ImmutableArray<A8Rule> Rules => rules;

        public event Action? Changed
        {
            add { }
            remove { }
        }
    }
}
