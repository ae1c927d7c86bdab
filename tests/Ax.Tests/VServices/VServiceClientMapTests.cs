using Ax.Addressing;
using Ax.Interception;
using Ax.VServices;

namespace Ax.Tests.VServices;

public sealed class VServiceClientMapTests
{
    private static readonly Ipv4Endpoint Dialled = new(0xc6120001, 80);
    private static readonly Ipv4Endpoint Backend = new(0x0a000001, 40001);

    [Fact]
    public void ASocketsCookie_IsItsOwn_AndTheSameEachTimeItIsRead()
    {
        NodeSocket first = NewSocket();
        NodeSocket second = NewSocket();
        using var firstHandle = first.Handle;
        using var secondHandle = second.Handle;

        Assert.Equal(Errno.None, VServiceClientMap.TryGetCookie(first, out ulong a));
        Assert.Equal(Errno.None, VServiceClientMap.TryGetCookie(first, out ulong again));
        Assert.Equal(Errno.None, VServiceClientMap.TryGetCookie(second, out ulong b));
        Assert.Equal(a, again);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void ANote_ShowsWhatWasDialled_OnlyWhileItsBackendIsThePeer()
    {
        var map = new VServiceClientMap();
        map.Record(7, Dialled, Backend);

        Assert.True(map.TryGetDialled(7, Backend, out Ipv4Endpoint shown));
        Assert.Equal(Dialled, shown);
        Assert.False(map.TryGetDialled(7, Backend.WithPort(40002), out _));
        Assert.False(map.TryGetDialled(8, Backend, out _));
    }

    [Fact]
    public void PastItsCapacity_OnlyTheOldestNotesAreForgotten()
    {
        // It used to start over at 65,536 notes, so every live vservice client's getpeername showed the backend.
        var map = new VServiceClientMap();
        const int total = VServiceClientMap.DefaultCapacity + 5;
        for (ulong cookie = 1; cookie <= total; cookie++)
        {
            map.Record(cookie, Dialled, Backend);
        }

        for (ulong cookie = 1; cookie <= 5; cookie++)
        {
            Assert.False(map.TryGetDialled(cookie, Backend, out _));
        }

        for (ulong cookie = 6; cookie <= total; cookie += 1009)
        {
            Assert.True(map.TryGetDialled(cookie, Backend, out _), $"note {cookie}");
        }

        Assert.True(map.TryGetDialled(total, Backend, out _));
    }

    private static NodeSocket NewSocket() =>
        new(new OwnedFd(global::Interop.Libc.Socket(global::Interop.Libc.AF_INET, global::Interop.Libc.SOCK_STREAM | global::Interop.Libc.SOCK_CLOEXEC, 0)), global::Interop.Libc.AF_INET, global::Interop.Libc.SOCK_STREAM);
}
