using Ax.Addressing;
using Ax.Contracts;
using Ax.Dns;
using Ax.VServices;

namespace Ax.Tests.VServices;

public sealed class VServiceRegistryTests
{
    [Fact]
    public void Lookups_ByVipAndPort_AndByName_FindTheVService_UntilRemoved()
    {
        var registry = new VServiceRegistry();
        var vservice = Make("MyVsvc", "1.1.1.1", null, "2.2.2.2");
        Assert.True(registry.TryAdd(vservice, out _));

        Assert.True(registry.Current.TryFind(new Ipv4Endpoint(0x01010101, 8000), out var found, out ushort appPort));
        Assert.Same(vservice, found);
        Assert.Equal(10000, appPort);
        Assert.False(registry.Current.TryFind(new Ipv4Endpoint(0x01010101, 8001), out _, out _));
        Assert.True(registry.Current.IsVip(0x01010101));
        INameSource names = registry;
        Assert.True(names.TryResolve("myvsvc", out uint address));
        Assert.Equal(0x01010101u, address);

        Assert.True(registry.TryRemove("MYVSVC", out _));
        Assert.False(names.TryResolve("myvsvc", out _));
        Assert.False(registry.Current.IsVip(0x01010101));
        Assert.True(registry.Current.ByEndpoint.IsEmpty);
    }

    [Fact]
    public void ADuplicateName_OrATakenVipAndPort_IsRefused()
    {
        var registry = new VServiceRegistry();
        Assert.True(registry.TryAdd(Make("a", "1.1.1.1", null, "2.2.2.2"), out _));

        Assert.False(registry.TryAdd(Make("A", "1.1.1.9", null, "2.2.2.2"), out string? sameName));
        Assert.False(registry.TryAdd(Make("b", "1.1.1.1", null, "2.2.2.2"), out string? samePort));

        Assert.Contains("already exists", sameName);
        Assert.Contains("1.1.1.1:8000 is already served by vservice 'a'", samePort);
    }

    private static VService Make(string name, string ip, string? lbType, params string[] backends)
    {
        Assert.True(VServiceValidation.TryCreate(new VServiceInfo(name, lbType, ip, [new VServicePort(8000, 10000)], backends), out var vservice, out string? problem), problem);
        return vservice;
    }
}
