using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Ax.Addressing;

/// <summary>An IPv4 address and port in host byte order; the unit of every table ax keeps.</summary>
internal readonly record struct Ipv4Endpoint(uint Address, ushort Port)
{
    internal const uint Any = 0;

    internal bool IsAnyAddress => Address == Any;

    internal bool IsLoopback => (Address >> 24) == 127;

    internal Ipv4Endpoint WithPort(ushort port) => new(Address, port);

    internal Ipv4Endpoint WithAddress(uint address) => new(address, Port);

    internal Interop.Libc.SockAddrIn ToSockAddr() => new()
    {
        Family = Interop.Libc.AF_INET,
        PortBigEndian = BinaryPrimitives.ReverseEndianness(Port),
        AddressBigEndian = BinaryPrimitives.ReverseEndianness(Address),
    };

    internal static Ipv4Endpoint FromSockAddr(in Interop.Libc.SockAddrIn sockAddr) =>
        new(BinaryPrimitives.ReverseEndianness(sockAddr.AddressBigEndian), BinaryPrimitives.ReverseEndianness(sockAddr.PortBigEndian));

    public override string ToString() => $"{FormatAddress(Address)}:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The address as .NET's sockets take it.</summary>
    internal static System.Net.IPAddress ToIPAddress(uint address) =>
        new([(byte)(address >> 24), (byte)(address >> 16), (byte)(address >> 8), (byte)address]);

    /// <summary>An IPv4 <see cref="System.Net.IPAddress"/> in ax's host-order form; false for IPv6.</summary>
    internal static bool TryFromIPAddress(System.Net.IPAddress ip, out uint address)
    {
        Span<byte> bytes = stackalloc byte[4];
        if (ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || !ip.TryWriteBytes(bytes, out _))
        {
            address = 0;
            return false;
        }

        address = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        return true;
    }

    internal static string FormatAddress(uint address) =>
        string.Create(CultureInfo.InvariantCulture, $"{address >> 24}.{(address >> 16) & 0xff}.{(address >> 8) & 0xff}.{address & 0xff}");

    /// <summary>Parses a dotted-quad IPv4 address strictly: four decimal parts of 0-255, nothing else.</summary>
    internal static bool TryParseAddress(ReadOnlySpan<char> text, out uint address)
    {
        address = 0;
        int parts = 0;
        foreach (Range range in text.Split('.'))
        {
            ReadOnlySpan<char> part = text[range];
            if (++parts > 4 || part.Length is 0 or > 3 || !part.ContainsOnlyDigits())
            {
                return false;
            }

            uint value = uint.Parse(part, NumberStyles.None, CultureInfo.InvariantCulture);
            if (value > 255)
            {
                return false;
            }

            address = (address << 8) | value;
        }

        return parts == 4;
    }

    /// <summary>Parses <c>a.b.c.d:port</c>.</summary>
    internal static bool TryParse(ReadOnlySpan<char> text, [NotNullWhen(true)] out Ipv4Endpoint? endpoint)
    {
        endpoint = null;
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !TryParseAddress(text[..colon], out uint address) ||
            !ushort.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out ushort port))
        {
            return false;
        }

        endpoint = new Ipv4Endpoint(address, port);
        return true;
    }
}
