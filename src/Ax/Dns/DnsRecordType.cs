namespace Ax.Dns;

/// <summary>The record types and class the server looks at (RFC 1035 section 3.2.2, RFC 3596 for AAAA).</summary>
internal static class DnsRecordType
{
    internal const ushort A = 1;
    internal const ushort Aaaa = 28;
    internal const ushort Any = 255;
    internal const ushort ClassIn = 1;
    internal const ushort ClassAny = 255;
}
