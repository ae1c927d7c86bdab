using System.Runtime.InteropServices;

internal static partial class Interop
{
    /// <summary>rtnetlink constants and headers, &lt;linux/netlink.h&gt;, &lt;linux/rtnetlink.h&gt;, &lt;linux/if_link.h&gt;.</summary>
    internal static class Netlink
    {
        internal const int AF_NETLINK = 16;
        internal const int SOCK_RAW = 3;
        internal const int NETLINK_ROUTE = 0;

        internal const ushort NLMSG_ERROR = 2;
        internal const ushort NLM_F_REQUEST = 0x1;
        internal const ushort NLM_F_ACK = 0x4;
        internal const ushort NLM_F_EXCL = 0x200;
        internal const ushort NLM_F_CREATE = 0x400;

        internal const ushort RTM_NEWLINK = 16;
        internal const ushort RTM_NEWADDR = 20;

        internal const ushort IFLA_IFNAME = 3;
        internal const ushort IFLA_LINKINFO = 18;
        internal const ushort IFLA_INFO_KIND = 1;
        internal const ushort IFLA_INFO_DATA = 2;
        internal const ushort VETH_INFO_PEER = 1;
        internal const ushort NLA_F_NESTED = 0x8000;

        internal const ushort IFA_ADDRESS = 1;
        internal const ushort IFA_LOCAL = 2;
        internal const byte RT_SCOPE_UNIVERSE = 0;

        // struct sockaddr_nl, <linux/netlink.h>: port id 0 is the kernel.
        [StructLayout(LayoutKind.Sequential)]
        internal struct SockAddrNl
        {
            public ushort Family;
            public ushort Pad;
            public uint PortId;
            public uint Groups;
        }

        // struct nlmsghdr, <linux/netlink.h>.
        [StructLayout(LayoutKind.Sequential)]
        internal struct NlMsgHdr
        {
            public uint Length;
            public ushort Type;
            public ushort Flags;
            public uint Sequence;
            public uint PortId;
        }

        // struct ifinfomsg, <linux/rtnetlink.h>: family, a pad byte, type, index, flags, change.
        [StructLayout(LayoutKind.Sequential)]
        internal struct IfInfoMsg
        {
            public byte Family;
            public byte Pad;
            public ushort Type;
            public int Index;
            public uint Flags;
            public uint Change;
        }

        // struct ifaddrmsg, <linux/if_addr.h>.
        [StructLayout(LayoutKind.Sequential)]
        internal struct IfAddrMsg
        {
            public byte Family;
            public byte PrefixLength;
            public byte Flags;
            public byte Scope;
            public uint Index;
        }
    }
}
