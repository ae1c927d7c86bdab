using System.Buffers.Binary;

namespace Ax.Guard;

/// <summary>
/// The smallest BTF blob (Documentation/bpf/btf.rst) a socket storage map accepts: a 32-bit unsigned integer
/// (type 1), the key the kernel requires of such a map (a socket descriptor, bpf_local_storage_map_check_btf) and
/// a value of its own, and an array of a given number of them (type 2), a larger value.
/// </summary>
internal static class SocketStorageBtf
{
    /// <summary>The id of the 32-bit integer (ids count from 1; 0 is void).</summary>
    internal const uint U32TypeId = 1;

    /// <summary>The id of the array of 32-bit integers.</summary>
    internal const uint ArrayTypeId = 2;

    private const int HeaderLength = 24;
    private const uint KindInt = 1;
    private const uint KindArray = 3;

    internal static byte[] Build(uint arrayLength)
    {
        // struct btf_type (name_off, info, size) and its int encoding word, then an anonymous
        // struct btf_type of kind array and its struct btf_array (type, index_type, nelems), <linux/btf.h>.
        const int typesLength = 16 + 24;
        byte[] strings = "\0__u32\0"u8.ToArray();
        byte[] blob = new byte[HeaderLength + typesLength + strings.Length];
        Span<byte> span = blob;

        // struct btf_header: magic, version 1, no flags; offsets count from the end of the header.
        BinaryPrimitives.WriteUInt16LittleEndian(span, Interop.Bpf.BTF_MAGIC);
        span[2] = 1;
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], HeaderLength);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], typesLength);
        BinaryPrimitives.WriteUInt32LittleEndian(span[16..], typesLength);
        BinaryPrimitives.WriteUInt32LittleEndian(span[20..], (uint)strings.Length);

        Span<byte> type = span[HeaderLength..];
        BinaryPrimitives.WriteUInt32LittleEndian(type, 1);                  // name_off: "__u32"
        BinaryPrimitives.WriteUInt32LittleEndian(type[4..], KindInt << 24);  // BTF_KIND_INT, no members
        BinaryPrimitives.WriteUInt32LittleEndian(type[8..], 4);             // size in bytes
        BinaryPrimitives.WriteUInt32LittleEndian(type[12..], 32);           // BTF_INT_BITS 32, unsigned
        BinaryPrimitives.WriteUInt32LittleEndian(type[16..], 0);            // no name
        BinaryPrimitives.WriteUInt32LittleEndian(type[20..], KindArray << 24);
        BinaryPrimitives.WriteUInt32LittleEndian(type[24..], 0);            // unused for an array
        BinaryPrimitives.WriteUInt32LittleEndian(type[28..], U32TypeId);    // element type
        BinaryPrimitives.WriteUInt32LittleEndian(type[32..], U32TypeId);    // index type
        BinaryPrimitives.WriteUInt32LittleEndian(type[36..], arrayLength);  // elements
        strings.CopyTo(span[(HeaderLength + typesLength)..]);
        return blob;
    }
}
