using System.Buffers.Binary;

namespace Ax.Launcher;

/// <summary>
/// A NETLINK_ROUTE socket in the calling thread's network namespace that sends one request at a time and
/// reads the kernel's acknowledgement (NLM_F_ACK): an NLMSG_ERROR whose error is 0 or a negative errno.
/// </summary>
internal sealed unsafe class NetlinkRouteSocket : IDisposable
{
    private readonly int _fd;
    private uint _sequence;

    private NetlinkRouteSocket(int fd) => _fd = fd;

    internal uint NextSequence() => ++_sequence;

    internal static Errno TryOpen(out NetlinkRouteSocket? socket)
    {
        socket = null;
        int fd = Interop.Libc.Socket(Interop.Netlink.AF_NETLINK, Interop.Netlink.SOCK_RAW | Interop.Libc.SOCK_CLOEXEC, Interop.Netlink.NETLINK_ROUTE);
        if (fd < 0)
        {
            return Interop.LastErrno();
        }

        // Connected to the kernel (port 0), so plain write/read carry the requests and replies.
        var kernel = new Interop.Netlink.SockAddrNl { Family = Interop.Netlink.AF_NETLINK };
        if (Interop.Libc.Connect(fd, &kernel, (uint)sizeof(Interop.Netlink.SockAddrNl)) != 0)
        {
            Errno error = Interop.LastErrno();
            Interop.Libc.Close(fd);
            return error;
        }

        socket = new NetlinkRouteSocket(fd);
        return Errno.None;
    }

    /// <summary>Sends the request to the kernel and returns its result.</summary>
    internal Errno Request(NetlinkMessage message)
    {
        byte[] request = message.ToArray();
        uint sequence = BinaryPrimitives.ReadUInt32LittleEndian(request.AsSpan(8));
        fixed (byte* pointer = request)
        {
            if (Interop.Libc.Write(_fd, pointer, (nuint)request.Length) != request.Length)
            {
                return Interop.LastErrno();
            }
        }

        byte[] reply = new byte[8192];
        while (true)
        {
            long received;
            fixed (byte* pointer = reply)
            {
                received = Interop.RetryOnEintr(
                    (Fd: _fd, Data: (nint)pointer, Length: reply.Length),
                    static s => Interop.Libc.Read(s.Fd, (byte*)s.Data, (nuint)s.Length));
            }

            if (received < 0)
            {
                return Interop.LastErrno();
            }

            // Walk the messages in this datagram; the acknowledgement of our request ends the wait.
            var data = reply.AsSpan(0, (int)received);
            while (data.Length >= 16)
            {
                int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(data);
                ushort type = BinaryPrimitives.ReadUInt16LittleEndian(data[4..]);
                uint replySequence = BinaryPrimitives.ReadUInt32LittleEndian(data[8..]);
                if (length < 16 || length > data.Length)
                {
                    return Errno.EIO;
                }

                if (type == Interop.Netlink.NLMSG_ERROR && replySequence == sequence && length >= 20)
                {
                    return (Errno)(-BinaryPrimitives.ReadInt32LittleEndian(data[16..]));
                }

                data = data[Math.Min(data.Length, (length + 3) & ~3)..];
            }
        }
    }

    public void Dispose() => Interop.Libc.Close(_fd);
}
