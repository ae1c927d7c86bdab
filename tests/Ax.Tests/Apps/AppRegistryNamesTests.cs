using Ax.Apps;
using Ax.Dns;
using Ax.Policy;

namespace Ax.Tests.Apps;

public sealed class AppRegistryNamesTests
{
    private const uint NodeIp = 0x0ad50101;

    [Fact]
    public void NameWithoutIp_GetsAMadeUpAddress_InTheRange_AndResolves()
    {
        var apps = new AppRegistry();

        AppRecord web = apps.AddWithNameAddress(App(apps, "web"));

        Assert.True(web.HasOwnIp);
        Assert.InRange(web.Ip, AppRegistry.MadeUpFirst, AppRegistry.MadeUpFirst + AppRegistry.MadeUpCount - 1);
        Assert.NotEqual(0u, web.Ip & 0xff);
        Assert.True(new AppNameSource(apps).TryResolve("WEB", out uint resolved));
        Assert.Equal(web.Ip, resolved);
        Assert.True(apps.IsAppIp(web.Ip));
    }

    [Fact]
    public void SameName_SharesTheAddress_OtherNamesDoNot()
    {
        var apps = new AppRegistry();

        AppRecord first = apps.AddWithNameAddress(App(apps, "web"));
        AppRecord second = apps.AddWithNameAddress(App(apps, "Web"));
        AppRecord other = apps.AddWithNameAddress(App(apps, "db"));

        Assert.Equal(first.Ip, second.Ip);
        Assert.NotEqual(first.Ip, other.Ip);
    }

    [Fact]
    public void MadeUpAddress_DependsOnlyOnTheName_SoTwoDaemonsAgree_AndSurvivesARestart()
    {
        var nodeA = new AppRegistry();
        var nodeB = new AppRegistry();
        nodeB.AddWithNameAddress(App(nodeB, "db")); // a different history on the other node

        AppRecord onA = nodeA.AddWithNameAddress(App(nodeA, "web"));
        AppRecord onB = nodeB.AddWithNameAddress(App(nodeB, "WEB"));
        nodeA.Remove(onA.Id);
        AppRecord restarted = nodeA.AddWithNameAddress(App(nodeA, "web"));

        Assert.Equal(onA.Ip, onB.Ip);
        Assert.Equal(onA.Ip, restarted.Ip);
    }

    [Fact]
    public void MadeUpAddress_TakenByAnotherName_MovesToTheNextFreeOne()
    {
        uint own = AppRegistry.MadeUpAddress("web", new HashSet<uint>());

        uint moved = AppRegistry.MadeUpAddress("web", new HashSet<uint> { own });

        Assert.NotEqual(own, moved);
        Assert.InRange(moved, AppRegistry.MadeUpFirst, AppRegistry.MadeUpFirst + AppRegistry.MadeUpCount - 1);
        Assert.NotEqual(0u, moved & 0xff);
        Assert.NotEqual(255u, moved & 0xff);
    }

    [Fact]
    public void NameOfAnAppWithIp_IsSharedByALaterAppWithTheSameName()
    {
        var apps = new AppRegistry();
        apps.Add(App(apps, "webserver") with { Ip = 0x01010101, HasOwnIp = true });

        AppRecord second = apps.AddWithNameAddress(App(apps, "webserver"));

        Assert.Equal(0x01010101u, second.Ip);
    }

    [Fact]
    public void NameOfAnExitedApp_NoLongerResolves()
    {
        var apps = new AppRegistry();
        AppRecord web = apps.AddWithNameAddress(App(apps, "web"));

        apps.Remove(web.Id);

        Assert.False(new AppNameSource(apps).TryResolve("web", out _));
    }

    private static AppRecord App(AppRegistry apps, string name) =>
        new(apps.NewId(), name, LabelSet.Default, NodeIp, false, 1, ["true"]);
}
