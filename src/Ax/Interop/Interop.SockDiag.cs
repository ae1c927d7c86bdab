using System.Runtime.InteropServices;

internal static partial class Interop
{
    /// <summary>Socket monitoring over netlink, &lt;linux/sock_diag.h&gt; and &lt;linux/inet_diag.h&gt; (sock_diag(7)).</summary>
    internal static class SockDiag
    {
        internal const int NETLINK_SOCK_DIAG = 4;
        internal const ushort SOCK_DIAG_BY_FAMILY = 20;
        internal const ushort NLM_F_DUMP = 0x300;
        internal const ushort NLMSG_DONE = 3;

        internal const byte IPPROTO_TCP = 6;
        internal const byte IPPROTO_UDP = 17;

        /// <summary>1 &lt;&lt; TCP_LISTEN, <c>&lt;net/tcp_states.h&gt;</c>.</summary>
        internal const uint TCPF_LISTEN = 1u << 10;
        internal const uint AllStates = 0xFFFFFFFF;

        // struct inet_diag_sockid, <linux/inet_diag.h>: ports and addresses in network order.
        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct InetDiagSockId
        {
            public ushort SourcePort;
            public ushort DestinationPort;
            public fixed uint Source[4];
            public fixed uint Destination[4];
            public uint Interface;
            public fixed uint Cookie[2];
        }

        // struct inet_diag_req_v2, <linux/inet_diag.h>.
        [StructLayout(LayoutKind.Sequential)]
        internal struct InetDiagReqV2
        {
            public byte Family;
            public byte Protocol;
            public byte Extensions;
            public byte Pad;
            public uint States;
            public InetDiagSockId Id;
        }

        // struct inet_diag_msg, <linux/inet_diag.h>.
        [StructLayout(LayoutKind.Sequential)]
        internal struct InetDiagMsg
        {
            public byte Family;
            public byte State;
            public byte Timer;
            public byte Retransmits;
            public InetDiagSockId Id;
            public uint Expires;
            public uint ReceiveQueue;
            public uint WriteQueue;
            public uint Uid;
            public uint Inode;
        }
    }
}
