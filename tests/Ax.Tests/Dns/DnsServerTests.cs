using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Ax.Addressing;
using Ax.Dns;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ax.Tests.Dns;

/// <summary>The server with real sockets on 127.0.0.1 (a free port), an upstream played by a socket of the test.</summary>
public sealed class DnsServerTests
{
    private const uint Loopback = 0x7f000001;

    [Fact]
    public void Udp_AnswersAppNames_AndRelaysOtherNamesWithTheClientsId()
    {
        using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        upstream.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int upstreamPort = ((IPEndPoint)upstream.LocalEndPoint!).Port;
        using DnsServer server = Start([new Ipv4Endpoint(Loopback, (ushort)upstreamPort)]);
        using var client = Client(server);

        byte[] local = Ask(client, DnsTestMessages.Query("web", id: 0x0101));
        Assert.Equal(0x0a000009u, DnsTestMessages.LastAddress(local));

        client.Send(DnsTestMessages.Query("example.com", id: 0x0202));
        byte[] forwarded = new byte[512];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        upstream.ReceiveTimeout = 5000;
        int length = upstream.ReceiveFrom(forwarded, ref from);
        byte[] answer = forwarded[..length];
        answer[2] |= 0x80; // the upstream's reply: the query turned into a response
        answer[3] = 3; // NXDOMAIN
        upstream.SendTo(answer, from);

        byte[] relayed = Receive(client);
        Assert.Equal(0x0202, BinaryPrimitives.ReadUInt16BigEndian(relayed));
        Assert.Equal(DnsResponseCode.NxDomain, DnsTestMessages.Code(relayed));
        Assert.Equal(answer[2..], relayed[2..]);
    }

    [Fact]
    public void Udp_SilentUpstream_GivesServFail()
    {
        using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        upstream.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using DnsServer server = Start([new Ipv4Endpoint(Loopback, (ushort)((IPEndPoint)upstream.LocalEndPoint!).Port)], TimeSpan.FromMilliseconds(300));
        using var client = Client(server);

        byte[] reply = Ask(client, DnsTestMessages.Query("example.com", id: 0x0303));

        Assert.Equal(0x0303, BinaryPrimitives.ReadUInt16BigEndian(reply));
        Assert.Equal(DnsResponseCode.ServFail, DnsTestMessages.Code(reply));
    }

    [Fact]
    public void Udp_GarbageIsSurvived_ThenAQueryIsAnswered()
    {
        using DnsServer server = Start([]);
        using var client = Client(server);
        var random = new Random(3);
        for (int i = 0; i < 200; i++)
        {
            byte[] garbage = new byte[random.Next(0, 300)];
            random.NextBytes(garbage);
            client.Send(garbage);
        }

        client.Send(DnsTestMessages.WithQuestionBytes(0xc0, 12, 0, 1, 0, 1));
        byte[] reply = Ask(client, DnsTestMessages.Query("web.appswitch.local", id: 0x0404));
        while (BinaryPrimitives.ReadUInt16BigEndian(reply) != 0x0404)
        {
            reply = Receive(client); // skip FORMERRs for the garbage that had a readable header
        }

        Assert.Equal(0x0a000009u, DnsTestMessages.LastAddress(reply));
    }

    [Fact]
    public void Tcp_AnswersFramedQueries_OnOneConnection()
    {
        using DnsServer server = Start([]);
        using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        tcp.Connect(new IPEndPoint(IPAddress.Loopback, server.Listen.Port));
        tcp.ReceiveTimeout = 5000;

        for (ushort id = 1; id <= 2; id++)
        {
            byte[] query = DnsTestMessages.Query(id == 1 ? "web" : "nosuch.appswitch.local", id: id);
            tcp.Send([(byte)(query.Length >> 8), (byte)query.Length, .. query]);
            byte[] prefix = ReceiveExactly(tcp, 2);
            byte[] reply = ReceiveExactly(tcp, (prefix[0] << 8) | prefix[1]);
            Assert.Equal(id, BinaryPrimitives.ReadUInt16BigEndian(reply));
            Assert.Equal(id == 1 ? DnsResponseCode.NoError : DnsResponseCode.NxDomain, DnsTestMessages.Code(reply));
        }
    }

    [Fact]
    public void Tcp_OtherNames_AreForwardedOverTcp_WithTheClientsId()
    {
        using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        upstream.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        upstream.Listen(4);
        using DnsServer server = Start([new Ipv4Endpoint(Loopback, (ushort)((IPEndPoint)upstream.LocalEndPoint!).Port)]);
        using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 5000 };
        tcp.Connect(new IPEndPoint(IPAddress.Loopback, server.Listen.Port));
        byte[] query = DnsTestMessages.Query("example.com", id: 0x0505);

        tcp.Send([(byte)(query.Length >> 8), (byte)query.Length, .. query]);
        using Socket relay = upstream.Accept();
        relay.ReceiveTimeout = 5000;
        byte[] prefix = ReceiveExactly(relay, 2);
        byte[] asked = ReceiveExactly(relay, (prefix[0] << 8) | prefix[1]);
        asked[2] |= 0x80;
        asked[3] = 3; // NXDOMAIN
        relay.Send([prefix[0], prefix[1], .. asked]);
        byte[] replyPrefix = ReceiveExactly(tcp, 2);
        byte[] reply = ReceiveExactly(tcp, (replyPrefix[0] << 8) | replyPrefix[1]);

        Assert.Equal(query[12..], asked[12..]);
        Assert.Equal(0x0505, BinaryPrimitives.ReadUInt16BigEndian(reply));
        Assert.Equal(DnsResponseCode.NxDomain, DnsTestMessages.Code(reply));
    }

    /// <param name="forwardTimeout">Short only where the test waits for it to pass; a loaded machine must not turn an answer into SERVFAIL.</param>
    private static DnsServer Start(IReadOnlyList<Ipv4Endpoint> forwarders, TimeSpan? forwardTimeout = null)
    {
        var options = new DnsOptions
        {
            Listen = new Ipv4Endpoint(Loopback, 0),
            Forwarders = forwarders,
            ForwardTimeout = forwardTimeout ?? TimeSpan.FromSeconds(10),
        };
        var error = DnsServer.TryStart(options, [new OneName()], TimeProvider.System, NullLogger.Instance, out DnsServer? server);
        Assert.Equal(SocketError.Success, error);
        return server!;
    }

    private static Socket Client(DnsServer server)
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 5000 };
        client.Connect(new IPEndPoint(IPAddress.Loopback, server.Listen.Port));
        return client;
    }

    private static byte[] Ask(Socket client, byte[] query)
    {
        client.Send(query);
        return Receive(client);
    }

    private static byte[] Receive(Socket client)
    {
        byte[] buffer = new byte[65535];
        int length = client.Receive(buffer);
        return buffer[..length];
    }

    private static byte[] ReceiveExactly(Socket socket, int count)
    {
        byte[] buffer = new byte[count];
        int read = 0;
        while (read < count)
        {
            int n = socket.Receive(buffer, read, count - read, SocketFlags.None);
            Assert.NotEqual(0, n);
            read += n;
        }

        return buffer;
    }

    private sealed class OneName : INameSource
    {
        public bool TryResolve(string name, out uint address)
        {
            address = 0x0a000009;
            return name == "web";
        }
    }
}
