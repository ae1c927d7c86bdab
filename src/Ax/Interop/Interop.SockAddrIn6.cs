using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // struct sockaddr_in6, <netinet/in.h> (RFC 3493 3.3): port, flow info and address in network byte order.
        [StructLayout(LayoutKind.Sequential, Size = 28)]
        internal unsafe struct SockAddrIn6
        {
            public ushort Family;
            public ushort PortBigEndian;
            public uint FlowInfo;
            public fixed byte Address[16];
            public uint ScopeId;
        }
    }
}
