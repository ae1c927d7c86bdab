using System.Text;

namespace Ax.Dns;

/// <summary>
/// Domain names on the wire (RFC 1035 sections 3.1 and 4.1.4): reading undoes compression into the plain
/// label sequence; writing never compresses except for the one pointer back to the question.
/// </summary>
internal static class DnsName
{
    /// <summary>The longest name in wire form, the root's zero byte included (RFC 1035 section 2.3.4).</summary>
    internal const int MaxWireLength = 255;

    private const int MaxLabelLength = 63;

    /// <summary>
    /// Reads the name at <paramref name="offset"/> into <paramref name="wireName"/> (at least
    /// <see cref="MaxWireLength"/> bytes) without compression. <paramref name="end"/> is where the name ends
    /// in the message: after its root byte, or after its first pointer. Every pointer must point strictly
    /// before where the previous jump landed (the name's own start for the first), so the offsets only go
    /// down and a loop of pointers is impossible; a forward pointer no encoder writes is refused as well.
    /// </summary>
    internal static DnsParseError TryRead(ReadOnlySpan<byte> message, int offset, Span<byte> wireName, out int wireLength, out int end)
    {
        wireLength = 0;
        end = -1;
        int position = offset;
        int limit = offset;
        while (true)
        {
            if ((uint)position >= (uint)message.Length)
            {
                return DnsParseError.Truncated;
            }

            byte length = message[position];
            switch (length & 0xc0)
            {
                case 0xc0:
                    if (position + 1 >= message.Length)
                    {
                        return DnsParseError.Truncated;
                    }

                    int target = ((length & 0x3f) << 8) | message[position + 1];
                    if (end < 0)
                    {
                        end = position + 2;
                    }

                    if (target >= limit)
                    {
                        return DnsParseError.BadPointer;
                    }

                    limit = target;
                    position = target;
                    continue;
                case 0x00:
                    break;
                default:
                    return DnsParseError.BadLabelType;
            }

            if (wireLength + 1 + length > MaxWireLength)
            {
                return DnsParseError.NameTooLong;
            }

            if (length == 0)
            {
                wireName[wireLength++] = 0;
                if (end < 0)
                {
                    end = position + 1;
                }

                return DnsParseError.None;
            }

            if (position + 1 + length > message.Length)
            {
                return DnsParseError.Truncated;
            }

            message.Slice(position, 1 + length).CopyTo(wireName[wireLength..]);
            wireLength += 1 + length;
            position += 1 + length;
        }
    }

    /// <summary>
    /// The name as lower-case text without the final dot ("web.appswitch.local"; "" for the root). Bytes a
    /// host name never holds (RFC 1123 letters, digits, hyphen, plus underscore) come out as \DDD, so such
    /// a label can never match a name ax serves.
    /// </summary>
    internal static string ToText(ReadOnlySpan<byte> wireName)
    {
        var text = new StringBuilder(wireName.Length);
        int position = 0;
        while (position < wireName.Length && wireName[position] != 0)
        {
            int length = wireName[position];
            if (text.Length > 0)
            {
                text.Append('.');
            }

            foreach (byte b in wireName.Slice(position + 1, length))
            {
                if (IsHostNameByte(b))
                {
                    text.Append((char)(b is >= (byte)'A' and <= (byte)'Z' ? b + 32 : b));
                }
                else
                {
                    text.Append('\\').Append(((int)b).ToString("D3", System.Globalization.CultureInfo.InvariantCulture));
                }
            }

            position += 1 + length;
        }

        return text.ToString();
    }

    /// <summary>Writes a dotted name ("web.appswitch.local") in wire form; false when it is not a valid name or does not fit.</summary>
    internal static bool TryWrite(string name, Span<byte> destination, out int written)
    {
        written = 0;
        string trimmed = name.EndsWith('.') ? name[..^1] : name;
        int room = Math.Min(MaxWireLength, destination.Length);
        if (trimmed.Length > 0)
        {
            foreach (string label in trimmed.Split('.'))
            {
                if (label.Length is 0 or > MaxLabelLength || written + 1 + label.Length + 1 > room)
                {
                    return false;
                }

                destination[written++] = (byte)label.Length;
                foreach (char c in label)
                {
                    if (c > 0x7f)
                    {
                        return false;
                    }

                    destination[written++] = (byte)c;
                }
            }
        }

        if (written >= room)
        {
            return false;
        }

        destination[written++] = 0;
        return true;
    }

    /// <summary>True when <paramref name="label"/> is one host-name label (RFC 1123 section 2.1, underscore allowed): 1-63 letters, digits, '-' or '_'.</summary>
    internal static bool IsValidLabel(ReadOnlySpan<char> label)
    {
        if (label.Length is 0 or > MaxLabelLength)
        {
            return false;
        }

        foreach (char c in label)
        {
            if (c > 0x7f || !IsHostNameByte((byte)c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsHostNameByte(byte b) =>
        b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9') or (byte)'-' or (byte)'_';
}
