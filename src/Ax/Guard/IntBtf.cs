using System.Buffers.Binary;
using static Interop.Bpf;

namespace Ax.Guard;

/// <summary>
/// The smallest BTF blob the kernel accepts: one type, a 32-bit signed <c>int</c>, as type id 1. A
/// BPF_MAP_TYPE_SK_STORAGE map must name BTF types for its key and value
/// (kernel/bpf/bpf_local_storage.c, bpf_local_storage_map_alloc_check), so that sock_diag can dump it.
/// Layout: struct btf_header, then the type section, then the string section (<linux/btf.h>,
/// Documentation/bpf/btf.rst).
/// </summary>
internal static class IntBtf
{
    /// <summary>The type id of <c>int</c> in <see cref="Build"/>'s blob (0 is void).</summary>
    internal const uint IntTypeId = 1;

    private const int HeaderLength = 24;
    private const int TypeLength = 16;
    private static readonly byte[] Strings = "\0int\0"u8.ToArray();

    internal static byte[] Build()
    {
        var blob = new byte[HeaderLength + TypeLength + Strings.Length];
        Span<byte> s = blob;
        BinaryPrimitives.WriteUInt16LittleEndian(s, BTF_MAGIC);
        s[2] = 1; // version
        s[3] = 0; // flags
        BinaryPrimitives.WriteUInt32LittleEndian(s[4..], HeaderLength);
        BinaryPrimitives.WriteUInt32LittleEndian(s[8..], 0);                   // type_off, from the header's end
        BinaryPrimitives.WriteUInt32LittleEndian(s[12..], TypeLength);         // type_len
        BinaryPrimitives.WriteUInt32LittleEndian(s[16..], TypeLength);         // str_off
        BinaryPrimitives.WriteUInt32LittleEndian(s[20..], (uint)Strings.Length);

        // struct btf_type for an INT: name_off, info (kind in bits 24-28), size; then the INT encoding
        // word: encoding in bits 24-27, bit offset in 16-23, bit count in 0-7.
        Span<byte> type = s[HeaderLength..];
        BinaryPrimitives.WriteUInt32LittleEndian(type, 1);                     // "int", after the leading NUL
        BinaryPrimitives.WriteUInt32LittleEndian(type[4..], BTF_KIND_INT << 24);
        BinaryPrimitives.WriteUInt32LittleEndian(type[8..], sizeof(int));
        BinaryPrimitives.WriteUInt32LittleEndian(type[12..], (BTF_INT_SIGNED << 24) | 32);
        Strings.CopyTo(s[(HeaderLength + TypeLength)..]);
        return blob;
    }
}
