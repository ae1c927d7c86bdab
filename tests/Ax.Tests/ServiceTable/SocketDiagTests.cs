using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Ax.ServiceTable;

namespace Ax.Tests.ServiceTable;

public sealed class SocketDiagTests
{
    [Fact]
    public void ListeningTcpInodes_HasAListenerOfThisProcess_AndNotItsConnections()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        using Socket accepted = listener.Accept();
        var inodes = new HashSet<ulong>();

        Assert.Equal(Errno.None, SocketDiag.TryListeningTcpInodes(inodes));

        Assert.Contains(Inode(listener), inodes);
        Assert.DoesNotContain(Inode(client), inodes);
        Assert.DoesNotContain(Inode(accepted), inodes);
        Assert.Contains(Inode(listener), ProcNetSockets.ListeningTcpInodes());
    }

    [Fact]
    public void UdpInodes_HasBoundAndUnboundDatagramSockets_AndNoTcpOnes()
    {
        using var bound = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        bound.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var inodes = new HashSet<ulong>();

        Assert.Equal(Errno.None, SocketDiag.TryUdpInodes(inodes));

        Assert.Contains(Inode(bound), inodes);
        Assert.DoesNotContain(Inode(listener), inodes);
    }

    [Fact]
    public void ParseDump_ReadsEveryMessage_UntilDone_AndReportsTheKernelsError()
    {
        var inodes = new HashSet<ulong>();
        byte[] first = [.. Message(20, DiagMessage(101)), .. Message(20, DiagMessage(0)), .. Message(20, DiagMessage(102))];

        Assert.Equal(new SocketDiag.DumpStatus(false, Errno.None), SocketDiag.ParseDump(first, inodes));
        Assert.Equal(new SocketDiag.DumpStatus(true, Errno.None), SocketDiag.ParseDump([.. Message(20, DiagMessage(103)), .. Message(3, new byte[4])], inodes));
        Assert.Equal([101ul, 102ul, 103ul], inodes.Order());

        byte[] error = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(error, -(int)Errno.EACCES);
        Assert.Equal(new SocketDiag.DumpStatus(true, Errno.EACCES), SocketDiag.ParseDump(Message(2, error), inodes));
    }

    [Fact]
    public void ParseDump_ALengthPastTheDatagram_IsAProtocolError_NotARead()
    {
        byte[] message = Message(20, DiagMessage(5));
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)message.Length + 64);
        var inodes = new HashSet<ulong>();

        Assert.Equal(new SocketDiag.DumpStatus(true, Errno.EPROTO), SocketDiag.ParseDump(message, inodes));
        Assert.Empty(inodes);
    }

    private static byte[] Message(ushort type, byte[] payload)
    {
        byte[] message = new byte[16 + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)message.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(4), type);
        payload.CopyTo(message, 16);
        return message;
    }

    // struct inet_diag_msg: 72 bytes, idiag_inode last.
    private static byte[] DiagMessage(uint inode)
    {
        byte[] payload = new byte[72];
        payload[0] = 2; // AF_INET
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(68), inode);
        return payload;
    }

    private static ulong Inode(Socket socket)
    {
        string target = new FileInfo($"/proc/self/fd/{socket.SafeHandle.DangerousGetHandle()}").LinkTarget!;
        return ulong.Parse(target["socket:[".Length..^1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
