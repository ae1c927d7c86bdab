using Ax.ServiceTable;

namespace Ax.Tests.ServiceTable;

public sealed class ProcNetSocketsTests
{
    [Fact]
    public void ParseInodes_KeepsListeningSocketsOnly_AndStopsAtTheEstablishedHash()
    {
        string[] lines =
        [
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
            "   0: 0100007F:1A08 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 8895 1 000000009d44d790 100 0 0 10 0",
            "   1: 0101D50A:9C40 0101D50A:DBB6 06 00000000:00000000 03:00000E39 00000000     0        0 0 3 000000006d632b64",
            "   2: 0101D50A:9C41 0101D50A:DBB7 01 00000000:00000000 00:00000000 00000000     0        0 10111 1 000000006d632b64",
            "   3: 0101D50A:9C42 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 000000009d44d790 100 0 0 10 0",
        ];

        Assert.Equal([8895ul], ProcNetSockets.ParseInodes(lines, "0A"));
        Assert.Equal([8895ul, 10111ul, 12345ul], ProcNetSockets.ParseInodes(lines, null).Order());
    }
}
