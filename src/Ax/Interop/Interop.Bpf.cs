using System.Runtime.InteropServices;

internal static partial class Interop
{
    /// <summary>The bpf(2) system call, and the parts of &lt;linux/bpf.h&gt; ax uses.</summary>
    internal static partial class Bpf
    {
        // enum bpf_cmd
        internal const int BPF_MAP_CREATE = 0;
        internal const int BPF_MAP_LOOKUP_ELEM = 1;
        internal const int BPF_MAP_UPDATE_ELEM = 2;
        internal const int BPF_MAP_DELETE_ELEM = 3;
        internal const int BPF_PROG_LOAD = 5;
        internal const int BPF_MAP_GET_FD_BY_ID = 14;
        internal const int BPF_OBJ_GET_INFO_BY_FD = 15;
        internal const int BPF_BTF_LOAD = 18;
        internal const int BPF_LINK_CREATE = 28;

        // enum bpf_map_type, enum bpf_prog_type, enum bpf_attach_type
        internal const uint BPF_MAP_TYPE_HASH = 1;
        internal const uint BPF_MAP_TYPE_ARRAY = 2;
        internal const uint BPF_MAP_TYPE_SK_STORAGE = 24;
        internal const uint BPF_PROG_TYPE_CGROUP_SOCK_ADDR = 18;
        internal const uint BPF_CGROUP_INET4_BIND = 8;
        internal const uint BPF_CGROUP_INET6_BIND = 9;
        internal const uint BPF_CGROUP_INET4_CONNECT = 10;
        internal const uint BPF_CGROUP_INET6_CONNECT = 11;
        internal const uint BPF_CGROUP_UDP4_SENDMSG = 14;
        internal const uint BPF_CGROUP_UDP6_SENDMSG = 15;
        internal const uint BPF_CGROUP_UDP4_RECVMSG = 19;
        internal const uint BPF_CGROUP_UDP6_RECVMSG = 20;
        internal const uint BPF_CGROUP_INET4_GETPEERNAME = 29;
        internal const uint BPF_CGROUP_INET6_GETPEERNAME = 30;
        internal const uint BPF_PROG_TYPE_SOCK_OPS = 13;
        internal const uint BPF_CGROUP_SOCK_OPS = 3;
        internal const uint BPF_PROG_TYPE_CGROUP_SOCK = 9;
        internal const uint BPF_CGROUP_INET_SOCK_RELEASE = 34;

        // BPF_MAP_CREATE flags: socket storage is allocated per socket, never up front.
        internal const uint BPF_F_NO_PREALLOC = 1;

        // BPF_MAP_CREATE flags: a socket storage value is copied to a listener's accepted sockets
        // (bpf_sk_storage_clone, net/core/bpf_sk_storage.c, called from sk_clone_lock).
        internal const uint BPF_F_CLONE = 1 << 9;

        // BPF_MAP_CREATE flags: an array whose values user space may mmap(2) (array_map_mmap, kernel/bpf/arraymap.c).
        internal const uint BPF_F_MMAPABLE = 1 << 10;

        // bpf_sk_storage_get flags: make the socket's value (zeroed) when it has none.
        internal const int BPF_SK_STORAGE_GET_F_CREATE = 1;

        // BPF_MAP_UPDATE_ELEM flags
        internal const ulong BPF_ANY = 0;

        // struct btf_header and struct btf_type, <linux/btf.h>
        internal const ushort BTF_MAGIC = 0xeb9f;
        internal const uint BTF_KIND_INT = 1;
        internal const uint BTF_INT_SIGNED = 1;

        // enum bpf_func_id
        internal const int BPF_FUNC_map_lookup_elem = 1;
        internal const int BPF_FUNC_get_current_pid_tgid = 14;
        internal const int BPF_FUNC_setsockopt = 49;
        internal const int BPF_FUNC_sock_ops_cb_flags_set = 59;
        internal const int BPF_FUNC_sk_lookup_tcp = 84;
        internal const int BPF_FUNC_sk_lookup_udp = 85;
        internal const int BPF_FUNC_sk_release = 86;
        internal const int BPF_FUNC_sk_storage_get = 107;
        internal const int BPF_FUNC_get_ns_current_pid_tgid = 120;
        internal const int BPF_FUNC_get_netns_cookie = 122;
        internal const int BPF_FUNC_load_hdr_opt = 142;
        internal const int BPF_FUNC_store_hdr_opt = 143;
        internal const int BPF_FUNC_reserve_hdr_opt = 144;

        // enum of struct bpf_sock_ops's op, <linux/bpf.h>: the sock_ops callbacks ax handles.
        internal const int BPF_SOCK_OPS_TCP_CONNECT_CB = 3;
        internal const int BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB = 4;
        internal const int BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB = 5;
        internal const int BPF_SOCK_OPS_STATE_CB = 10;
        internal const int BPF_SOCK_OPS_TCP_LISTEN_CB = 11;
        internal const int BPF_SOCK_OPS_HDR_OPT_LEN_CB = 14;
        internal const int BPF_SOCK_OPS_WRITE_HDR_OPT_CB = 15;

        // bpf_sock_ops_cb_flags, <linux/bpf.h>: run HDR_OPT_LEN_CB and WRITE_HDR_OPT_CB for this socket's packets.
        internal const int BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG = 1 << 6;

        // bpf_sock_ops_cb_flags, <linux/bpf.h>: run STATE_CB on this socket's TCP state changes (tcp_set_state).
        internal const int BPF_SOCK_OPS_STATE_CB_FLAG = 1 << 2;

        // bpf_load_hdr_opt flags: search the connection's SYN, not the packet at hand.
        internal const int BPF_LOAD_HDR_OPT_TCP_SYN = 1;

        // The netns argument of bpf_sk_lookup_*: the network namespace of the program's own socket.
        internal const long BPF_F_CURRENT_NETNS = -1;

        // The src_reg of a BPF_LD_IMM64 whose immediate is a map's file descriptor.
        internal const byte BPF_PSEUDO_MAP_FD = 1;

        // struct bpf_insn, <linux/bpf.h>: the destination register in the low nibble of the second byte,
        // the source register in the high one.
        [StructLayout(LayoutKind.Sequential)]
        internal struct BpfInsn
        {
            public byte Code;
            public byte Registers;
            public short Offset;
            public int Immediate;
        }

        // union bpf_attr, <linux/bpf.h>: the BPF_MAP_CREATE member up to btf_value_type_id (local-storage
        // maps need BTF for their key and value). The kernel takes a shorter attr than its own union and
        // reads the missing tail as zero.
        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct MapCreateAttr
        {
            public uint MapType;
            public uint KeySize;
            public uint ValueSize;
            public uint MaxEntries;
            public uint MapFlags;
            public uint InnerMapFd;
            public uint NumaNode;
            public fixed byte MapName[16];
            public uint MapIfIndex;
            public uint BtfFd;
            public uint BtfKeyTypeId;
            public uint BtfValueTypeId;
        }

        // union bpf_attr, <linux/bpf.h>: the BPF_BTF_LOAD member up to btf_log_level.
        [StructLayout(LayoutKind.Sequential)]
        internal struct BtfLoadAttr
        {
            public ulong Btf;
            public ulong BtfLogBuffer;
            public uint BtfSize;
            public uint BtfLogSize;
            public uint BtfLogLevel;
        }

        // union bpf_attr, <linux/bpf.h>: the BPF_*_GET_FD_BY_ID member (map_id shares start_id's place).
        [StructLayout(LayoutKind.Sequential)]
        internal struct GetFdByIdAttr
        {
            public uint Id;
            public uint NextId;
            public uint OpenFlags;
        }

        // union bpf_attr, <linux/bpf.h>: the BPF_OBJ_GET_INFO_BY_FD member.
        [StructLayout(LayoutKind.Sequential)]
        internal struct ObjInfoAttr
        {
            public uint BpfFd;
            public uint InfoLength;
            public ulong Info;
        }

        // struct bpf_map_info, <linux/bpf.h>, up to name: the kernel fills as much as info_len asks for.
        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct MapInfo
        {
            public uint Type;
            public uint Id;
            public uint KeySize;
            public uint ValueSize;
            public uint MaxEntries;
            public uint MapFlags;
            public fixed byte Name[16];
        }

        // union bpf_attr, <linux/bpf.h>: the BPF_MAP_*_ELEM member.
        [StructLayout(LayoutKind.Sequential)]
        internal struct MapElemAttr
        {
            public uint MapFd;
            private readonly uint _padding;
            public ulong Key;
            public ulong Value;
            public ulong Flags;
        }

        // union bpf_attr, <linux/bpf.h>: the BPF_PROG_LOAD member up to expected_attach_type.
        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct ProgLoadAttr
        {
            public uint ProgType;
            public uint InsnCount;
            public ulong Insns;
            public ulong License;
            public uint LogLevel;
            public uint LogSize;
            public ulong LogBuffer;
            public uint KernVersion;
            public uint ProgFlags;
            public fixed byte ProgName[16];
            public uint ProgIfIndex;
            public uint ExpectedAttachType;
        }

        // union bpf_attr, <linux/bpf.h>: the BPF_LINK_CREATE member, without the per-type tail.
        [StructLayout(LayoutKind.Sequential)]
        internal struct LinkCreateAttr
        {
            public uint ProgFd;
            public uint TargetFd;
            public uint AttachType;
            public uint Flags;
        }

        // bpf(2) has no glibc wrapper; syscall(2) is variadic, and this fixed-arity binding is safe on
        // x86-64 for the reason given in Interop.Syscall.cs.
        [LibraryImport(Libraries.Libc, EntryPoint = "syscall", SetLastError = true)]
        internal static unsafe partial long Syscall(long number, int command, void* attr, uint size);
    }
}
