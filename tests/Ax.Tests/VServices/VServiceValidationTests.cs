using Ax.Contracts;
using Ax.VServices;

namespace Ax.Tests.VServices;

public sealed class VServiceValidationTests
{
    [Theory]
    [InlineData("", "1.1.1.1", "Random", "2.2.2.2", "invalid vservice name ''")]
    [InlineData("-x", "1.1.1.1", "Random", "2.2.2.2", "invalid vservice name '-x'")]
    [InlineData("a.b", "1.1.1.1", "Random", "2.2.2.2", "invalid vservice name 'a.b'")]
    [InlineData("ok", "0.0.0.0", "Random", "2.2.2.2", "invalid --ip '0.0.0.0'")]
    [InlineData("ok", "127.0.0.1", "Random", "2.2.2.2", "invalid --ip '127.0.0.1'")]
    [InlineData("ok", "1.1.1.1", "Weighted", "2.2.2.2", "invalid --lbtype 'Weighted'")]
    [InlineData("ok", "1.1.1.1", "Random", "2.2.2.2:0", "invalid backend '2.2.2.2:0'")]
    [InlineData("ok", "1.1.1.1", "Random", "255.255.255.255", "invalid backend '255.255.255.255'")]
    public void BadInput_IsOneSentenceNamingIt(string name, string ip, string lbType, string backend, string expected)
    {
        Assert.False(VServiceValidation.TryCreate(new VServiceInfo(name, lbType, ip, [new VServicePort(80, 80)], [backend]), out _, out string? problem));
        Assert.StartsWith(expected, problem);
    }

    [Fact]
    public void NoPorts_NoBackends_ADuplicateVirtualPort_AndAnOutOfRangePort_AreRefused()
    {
        Assert.False(VServiceValidation.TryCreate(new VServiceInfo("a", null, "1.1.1.1", [], ["2.2.2.2"]), out _, out string? noPorts));
        Assert.False(VServiceValidation.TryCreate(new VServiceInfo("a", null, "1.1.1.1", [new VServicePort(80, 80)], []), out _, out string? noBackends));
        Assert.False(VServiceValidation.TryCreate(new VServiceInfo("a", null, "1.1.1.1", [new VServicePort(80, 80), new VServicePort(80, 81)], ["2.2.2.2"]), out _, out string? twice));
        Assert.False(VServiceValidation.TryCreate(new VServiceInfo("a", null, "1.1.1.1", [new VServicePort(0, 80)], ["2.2.2.2"]), out _, out string? zero));

        Assert.Contains("at least one port", noPorts);
        Assert.Contains("at least one backend", noBackends);
        Assert.Contains("virtual port 80 is given twice", twice);
        Assert.Contains("from 1 to 65535", zero);
    }

    [Fact]
    public void Ports_ParseSeedSpellings()
    {
        Assert.True(VServiceValidation.TryParsePorts("8000:10000, 9000", out var ports, out _));
        Assert.Equal([new VServicePort(8000, 10000), new VServicePort(9000, 9000)], ports);
        Assert.False(VServiceValidation.TryParsePorts("8000:1:2", out _, out _));
        Assert.False(VServiceValidation.TryParsePorts("8000:", out _, out _));
    }

    [Fact]
    public void LbType_IsCaseInsensitive_AndBackendsTakeAnOptionalPort()
    {
        Assert.True(VServiceValidation.TryCreate(new VServiceInfo("web-1", "roundrobin", "1.1.1.1", [new VServicePort(80, 8080)], ["2.2.2.2", "3.3.3.3:9000"], true, "10.0.0.1"), out var vservice, out _));

        Assert.Equal(LbType.RoundRobin, vservice.LbType);
        Assert.Equal(8080, vservice.Backends[0].PortFor(8080));
        Assert.Equal(9000, vservice.Backends[1].PortFor(8080));
        var info = vservice.ToInfo();
        Assert.Equal(["2.2.2.2", "3.3.3.3:9000"], info.Backends);
        Assert.Equal("10.0.0.1", info.SourceIp);
        Assert.True(info.External);
    }
}
