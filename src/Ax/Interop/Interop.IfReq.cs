using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const ulong SIOCGIFFLAGS = 0x8913;
        internal const ulong SIOCSIFFLAGS = 0x8914;
        internal const short IFF_UP = 0x1;

        // struct ifreq, <net/if.h>: 16-byte name, then a 24-byte union of which ifr_flags is the first short.
        [StructLayout(LayoutKind.Sequential, Size = 40)]
        internal unsafe struct IfReqFlags
        {
            public fixed byte Name[16];
            public short Flags;
        }
    }
}
