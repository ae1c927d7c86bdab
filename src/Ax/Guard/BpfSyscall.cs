using Ax.Interception;
using static Interop.Bpf;

namespace Ax.Guard;

/// <summary>The bpf(2) commands the guard uses, each returning an owned descriptor or an <see cref="Errno"/>.</summary>
internal static unsafe class BpfSyscall
{
    internal static Errno TryCreateHashMap(string name, uint keySize, uint valueSize, uint maxEntries, out OwnedFd? map) =>
        TryCreateMap(new MapCreateAttr { MapType = BPF_MAP_TYPE_HASH, KeySize = keySize, ValueSize = valueSize, MaxEntries = maxEntries }, name, out map);

    /// <summary>Creates a map from <paramref name="attr"/> (all but its name), named <paramref name="name"/>.</summary>
    internal static Errno TryCreateMap(MapCreateAttr attr, string name, out OwnedFd? map)
    {
        CopyName(name, new Span<byte>(attr.MapName, 16));
        return Descriptor(Interop.Bpf.Syscall(Interop.SyscallNumbers.Bpf, BPF_MAP_CREATE, &attr, (uint)sizeof(MapCreateAttr)), out map);
    }

    /// <summary>Loads type information (BTF), which some maps need to describe their key and value.</summary>
    internal static Errno TryLoadBtf(ReadOnlySpan<byte> btf, out OwnedFd? handle)
    {
        fixed (byte* data = btf)
        {
            var attr = new BtfLoadAttr { Btf = (ulong)data, BtfSize = (uint)btf.Length };
            return Descriptor(Interop.Bpf.Syscall(Interop.SyscallNumbers.Bpf, BPF_BTF_LOAD, &attr, (uint)sizeof(BtfLoadAttr)), out handle);
        }
    }

    /// <summary>Opens the live map with this id (needs CAP_SYS_ADMIN); ENOENT once it is gone.</summary>
    internal static Errno TryOpenMap(uint id, out OwnedFd? map)
    {
        var attr = new GetFdByIdAttr { Id = id };
        return Descriptor(Interop.Bpf.Syscall(Interop.SyscallNumbers.Bpf, BPF_MAP_GET_FD_BY_ID, &attr, (uint)sizeof(GetFdByIdAttr)), out map);
    }

    /// <summary>What the kernel says of a map: its type, id, sizes and name.</summary>
    internal static Errno TryGetMapInfo(OwnedFd map, out MapInfo info, out string name)
    {
        MapInfo result = default;
        var attr = new ObjInfoAttr { BpfFd = (uint)map.Fd, InfoLength = (uint)sizeof(MapInfo), Info = (ulong)&result };
        if (Interop.Bpf.Syscall(Interop.SyscallNumbers.Bpf, BPF_OBJ_GET_INFO_BY_FD, &attr, (uint)sizeof(ObjInfoAttr)) < 0)
        {
            info = default;
            name = string.Empty;
            return Interop.LastErrno();
        }

        info = result;
        var bytes = new ReadOnlySpan<byte>(result.Name, 16);
        int end = bytes.IndexOf((byte)0);
        name = System.Text.Encoding.ASCII.GetString(end < 0 ? bytes : bytes[..end]);
        return Errno.None;
    }

    /// <summary>Reads the value at <paramref name="key"/> into <paramref name="value"/>.</summary>
    internal static Errno TryLookup(OwnedFd map, ReadOnlySpan<byte> key, Span<byte> value)
    {
        fixed (byte* k = key)
        fixed (byte* v = value)
        {
            var attr = new MapElemAttr { MapFd = (uint)map.Fd, Key = (ulong)k, Value = (ulong)v };
            return Interop.Bpf.Syscall(Interop.SyscallNumbers.Bpf, BPF_MAP_LOOKUP_ELEM, &attr, (uint)sizeof(MapElemAttr)) < 0 ? Interop.LastErrno() : Errno.None;
        }
    }

    /// <summary>
    /// Creates a socket-local storage map (BPF_MAP_TYPE_SK_STORAGE): one value per socket, made and freed
    /// with the socket, keyed from user space by a descriptor of it. The kernel makes such maps only with
    /// BTF describing the key (a 32-bit int) and the value (bpf_local_storage_map_check_btf).
    /// </summary>
    internal static Errno TryCreateSocketStorageMap(string name, OwnedFd btf, uint keyTypeId, uint valueSize, uint valueTypeId, out OwnedFd? map, uint flags = 0)
    {
        var attr = new MapCreateAttr
        {
            MapType = BPF_MAP_TYPE_SK_STORAGE,
            KeySize = sizeof(int),
            ValueSize = valueSize,
            MapFlags = BPF_F_NO_PREALLOC | flags,
            BtfFd = (uint)btf.Fd,
            BtfKeyTypeId = keyTypeId,
            BtfValueTypeId = valueTypeId,
        };
        return TryCreateMap(attr, name, out map);
    }

    /// <summary>Loads a cgroup sock_addr program; on failure <paramref name="verifierLog"/> holds what the verifier said.</summary>
    internal static Errno TryLoadSockAddrProgram(string name, ReadOnlySpan<BpfInsn> instructions, uint attachType, out OwnedFd? program, out string verifierLog) =>
        TryLoadProgram(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, name, instructions, attachType, out program, out verifierLog);

    /// <summary>Loads a sock_ops program (BPF_PROG_TYPE_SOCK_OPS, attached as BPF_CGROUP_SOCK_OPS, which needs no expected attach type).</summary>
    internal static Errno TryLoadSockOpsProgram(string name, ReadOnlySpan<BpfInsn> instructions, out OwnedFd? program, out string verifierLog) =>
        TryLoadProgram(BPF_PROG_TYPE_SOCK_OPS, name, instructions, 0, out program, out verifierLog);

    /// <summary>Loads a cgroup sock program (BPF_PROG_TYPE_CGROUP_SOCK) for <paramref name="attachType"/>, which the kernel checks again at attach time.</summary>
    internal static Errno TryLoadSockProgram(string name, ReadOnlySpan<BpfInsn> instructions, uint attachType, out OwnedFd? program, out string verifierLog) =>
        TryLoadProgram(BPF_PROG_TYPE_CGROUP_SOCK, name, instructions, attachType, out program, out verifierLog);

    private static Errno TryLoadProgram(uint programType, string name, ReadOnlySpan<BpfInsn> instructions, uint attachType, out OwnedFd? program, out string verifierLog)
    {
        byte[] log = new byte[64 * 1024];
        byte[] license = [.. System.Text.Encoding.ASCII.GetBytes(UdpSendGuardProgram.License), 0];
        fixed (BpfInsn* insns = instructions)
        fixed (byte* logBuffer = log)
        fixed (byte* licenseText = license)
        {
            var attr = new ProgLoadAttr
            {
                ProgType = programType,
                InsnCount = (uint)instructions.Length,
                Insns = (ulong)insns,
                License = (ulong)licenseText,
                LogLevel = 1,
                LogSize = (uint)log.Length,
                LogBuffer = (ulong)logBuffer,
                ExpectedAttachType = attachType,
            };
            CopyName(name, new Span<byte>(attr.ProgName, 16));
            Errno error = Descriptor(Interop.Bpf.Syscall(Interop.SyscallNumbers.Bpf, BPF_PROG_LOAD, &attr, (uint)sizeof(ProgLoadAttr)), out program);
            int end = Array.IndexOf(log, (byte)0);
            verifierLog = System.Text.Encoding.UTF8.GetString(log, 0, end < 0 ? log.Length : end).Trim();
            return error;
        }
    }

    /// <summary>Attaches <paramref name="program"/> to the cgroup directory <paramref name="cgroup"/>; the link lives as long as its descriptor.</summary>
    internal static Errno TryLinkCgroup(OwnedFd program, OwnedFd cgroup, uint attachType, out OwnedFd? link)
    {
        var attr = new LinkCreateAttr { ProgFd = (uint)program.Fd, TargetFd = (uint)cgroup.Fd, AttachType = attachType };
        return Descriptor(Interop.Bpf.Syscall(Interop.SyscallNumbers.Bpf, BPF_LINK_CREATE, &attr, (uint)sizeof(LinkCreateAttr)), out link);
    }

    /// <summary>
    /// Loads a cgroup sock_addr program for <paramref name="attachType"/> and links it to <paramref name="cgroup"/>:
    /// the program and its link, or null for both and the reason in one sentence (with the verifier's log).
    /// </summary>
    internal static bool TryAttachSockAddr(string name, ReadOnlySpan<BpfInsn> instructions, uint attachType, OwnedFd cgroup, out OwnedFd? program, out OwnedFd? link, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? problem)
    {
        link = null;
        Errno error = TryLoadSockAddrProgram(name, instructions, attachType, out program, out string verifierLog);
        if (error != Errno.None)
        {
            problem = $"the kernel refused the program {name} ({error}); verifier: {(verifierLog.Length == 0 ? "(no message)" : verifierLog)}";
            return false;
        }

        error = TryLinkCgroup(program!, cgroup, attachType, out link);
        if (error != Errno.None)
        {
            program!.Dispose();
            program = null;
            problem = $"cannot attach the program {name} to this daemon's cgroup ({error}); a program attached there without BPF_F_ALLOW_MULTI keeps others out";
            return false;
        }

        problem = null;
        return true;
    }

    internal static Errno TryUpdate(OwnedFd map, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        fixed (byte* k = key)
        fixed (byte* v = value)
        {
            var attr = new MapElemAttr { MapFd = (uint)map.Fd, Key = (ulong)k, Value = (ulong)v, Flags = BPF_ANY };
            return Interop.Bpf.Syscall(Interop.SyscallNumbers.Bpf, BPF_MAP_UPDATE_ELEM, &attr, (uint)sizeof(MapElemAttr)) < 0 ? Interop.LastErrno() : Errno.None;
        }
    }

    internal static Errno TryDelete(OwnedFd map, ReadOnlySpan<byte> key)
    {
        fixed (byte* k = key)
        {
            var attr = new MapElemAttr { MapFd = (uint)map.Fd, Key = (ulong)k };
            return Interop.Bpf.Syscall(Interop.SyscallNumbers.Bpf, BPF_MAP_DELETE_ELEM, &attr, (uint)sizeof(MapElemAttr)) < 0 ? Interop.LastErrno() : Errno.None;
        }
    }

    private static Errno Descriptor(long result, out OwnedFd? fd)
    {
        if (result < 0)
        {
            fd = null;
            return Interop.LastErrno();
        }

        fd = new OwnedFd((int)result);
        return Errno.None;
    }

    // Object names (shown by bpftool) are at most 15 characters of [A-Za-z0-9_.], NUL-terminated.
    private static void CopyName(string name, Span<byte> destination)
    {
        int length = System.Text.Encoding.ASCII.GetBytes(name.AsSpan(0, Math.Min(name.Length, destination.Length - 1)), destination);
        destination[length..].Clear();
    }
}
