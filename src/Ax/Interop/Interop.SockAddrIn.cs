using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // struct sockaddr_in, <netinet/in.h>: port and address in network byte order.
        [StructLayout(LayoutKind.Sequential, Size = 16)]
        internal struct SockAddrIn
        {
            public ushort Family;
            public ushort PortBigEndian;
            public uint AddressBigEndian;
            public ulong Zero;
        }

        // struct sockaddr_un, <sys/un.h>
        [StructLayout(LayoutKind.Sequential, Size = 110)]
        internal unsafe struct SockAddrUn
        {
            public ushort Family;
            public fixed byte Path[108];
        }
    }
}
