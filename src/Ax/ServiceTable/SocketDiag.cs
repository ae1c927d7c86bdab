using System.Buffers.Binary;
using System.Runtime.InteropServices;
using static Interop.SockDiag;

namespace Ax.ServiceTable;

/// <summary>
/// Lists the inodes of sockets in the daemon's network namespace (the node's, where every host socket ax
/// makes for an app lives) over NETLINK_SOCK_DIAG. Asking for LISTEN only, the kernel walks just its
/// listening hash; /proc/net/tcp instead made it scan every bucket of the established hash to find
/// the first line past the listeners, even with no connections at all: 65% of an idle daemon's CPU
/// (2.4% of a core, perf: established_get_first) went there, at one sweep per 250 ms.
/// </summary>
internal static unsafe class SocketDiag
{
    private const int NlMsgHdrSize = 16;

    /// <summary>
    /// Inodes of TCP sockets in LISTEN state, AF_INET and AF_INET6 (an app's dual-stack listener is an
    /// AF_INET6 node socket); an error where the kernel has no inet_diag.
    /// </summary>
    internal static Errno TryListeningTcpInodes(HashSet<ulong> inodes) => TryDumpBoth(IPPROTO_TCP, TCPF_LISTEN, inodes);

    /// <summary>Inodes of every UDP socket of both families (UDP has no listen state: a bound socket is a server).</summary>
    internal static Errno TryUdpInodes(HashSet<ulong> inodes) => TryDumpBoth(IPPROTO_UDP, AllStates, inodes);

    private static Errno TryDumpBoth(byte protocol, uint states, HashSet<ulong> inodes)
    {
        Errno error = TryDump(Interop.Libc.AF_INET, protocol, states, inodes);
        return error != Errno.None ? error : TryDump(Interop.Libc.AF_INET6, protocol, states, inodes);
    }

    private static Errno TryDump(int family, byte protocol, uint states, HashSet<ulong> inodes)
    {
        int fd = Interop.Libc.Socket(Interop.Netlink.AF_NETLINK, Interop.Netlink.SOCK_RAW | Interop.Libc.SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
        if (fd < 0)
        {
            return Interop.LastErrno();
        }

        try
        {
            byte* request = stackalloc byte[NlMsgHdrSize + sizeof(InetDiagReqV2)];
            new Span<byte>(request, NlMsgHdrSize + sizeof(InetDiagReqV2)).Clear();
            var header = (Interop.Netlink.NlMsgHdr*)request;
            header->Length = (uint)(NlMsgHdrSize + sizeof(InetDiagReqV2));
            header->Type = SOCK_DIAG_BY_FAMILY;
            header->Flags = Interop.Netlink.NLM_F_REQUEST | NLM_F_DUMP;
            header->Sequence = 1;
            var body = (InetDiagReqV2*)(request + NlMsgHdrSize);
            body->Family = (byte)family;
            body->Protocol = protocol;
            body->States = states;

            // Unbound and unconnected, a netlink socket sends to the kernel (port 0).
            if (Interop.Libc.Write(fd, request, header->Length) != header->Length)
            {
                return Interop.LastErrno();
            }

            byte[] buffer = GC.AllocateUninitializedArray<byte>(32 * 1024);
            while (true)
            {
                long received;
                fixed (byte* data = buffer)
                {
                    received = Interop.RetryOnEintr(
                        (Fd: fd, Data: (nint)data, Length: buffer.Length),
                        static s => Interop.Libc.Read(s.Fd, (byte*)s.Data, (nuint)s.Length));
                }

                if (received < 0)
                {
                    return Interop.LastErrno();
                }

                DumpStatus status = ParseDump(buffer.AsSpan(0, (int)received), inodes);
                if (status.Done)
                {
                    return status.Error;
                }
            }
        }
        finally
        {
            Interop.Libc.Close(fd);
        }
    }

    /// <summary>Where a dump stands after one datagram of it: done (with the kernel's error, if any) or more to come.</summary>
    internal readonly record struct DumpStatus(bool Done, Errno Error);

    /// <summary>Adds the inodes of one datagram of a SOCK_DIAG_BY_FAMILY dump, which holds whole messages.</summary>
    internal static DumpStatus ParseDump(ReadOnlySpan<byte> datagram, HashSet<ulong> inodes)
    {
        while (datagram.Length >= NlMsgHdrSize)
        {
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(datagram);
            ushort type = BinaryPrimitives.ReadUInt16LittleEndian(datagram[4..]);
            if (length < NlMsgHdrSize || length > datagram.Length)
            {
                return new DumpStatus(true, Errno.EPROTO);
            }

            ReadOnlySpan<byte> payload = datagram[NlMsgHdrSize..length];
            if (type == NLMSG_DONE)
            {
                return new DumpStatus(true, Errno.None);
            }

            if (type == Interop.Netlink.NLMSG_ERROR)
            {
                int error = payload.Length >= 4 ? BinaryPrimitives.ReadInt32LittleEndian(payload) : -(int)Errno.EPROTO;
                return new DumpStatus(true, error == 0 ? Errno.None : (Errno)(-error));
            }

            if (type == SOCK_DIAG_BY_FAMILY && payload.Length >= sizeof(InetDiagMsg))
            {
                uint inode = MemoryMarshal.Read<InetDiagMsg>(payload).Inode;
                if (inode != 0)
                {
                    inodes.Add(inode);
                }
            }

            // Messages are 4-byte aligned (NLMSG_ALIGN).
            int next = (length + 3) & ~3;
            if (next >= datagram.Length)
            {
                break;
            }

            datagram = datagram[next..];
        }

        return new DumpStatus(false, Errno.None);
    }
}
