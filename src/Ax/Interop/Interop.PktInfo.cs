using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int IPPROTO_IP = 0;
        internal const int IP_PKTINFO = 8;

        // struct cmsghdr followed by struct in_pktinfo (ipi_ifindex, ipi_spec_dst, ipi_addr), <bits/socket.h>
        // and <linux/in.h>: one IP_PKTINFO control message, CMSG_SPACE-sized (the tail pads to 8 bytes).
        [StructLayout(LayoutKind.Sequential)]
        internal struct CmsgPktInfo
        {
            public nuint Length;
            public int Level;
            public int Type;
            public int InterfaceIndex;
            public uint SpecificDestination;
            public uint Address;
            private readonly int _padding;
        }
    }
}
