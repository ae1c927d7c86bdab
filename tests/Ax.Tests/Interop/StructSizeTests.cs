using System.Runtime.CompilerServices;

namespace Ax.Tests.Interop;

/// <summary>Kernel structs must match their headers byte for byte.</summary>
public sealed class StructSizeTests
{
    [Fact]
    public void SeccompStructs_MatchLinuxSeccompH()
    {
        Assert.Equal(64, Unsafe.SizeOf<global::Interop.Seccomp.SeccompData>());
        Assert.Equal(80, Unsafe.SizeOf<global::Interop.Seccomp.SeccompNotif>());
        Assert.Equal(24, Unsafe.SizeOf<global::Interop.Seccomp.SeccompNotifResp>());
        Assert.Equal(24, Unsafe.SizeOf<global::Interop.Seccomp.SeccompNotifAddfd>());
        Assert.Equal(8, Unsafe.SizeOf<global::Interop.Seccomp.SockFilter>());
        Assert.Equal(16, Unsafe.SizeOf<global::Interop.Seccomp.SockFprog>());
    }

    [Fact]
    public void SocketStructs_MatchTheirHeaders()
    {
        Assert.Equal(16, Unsafe.SizeOf<global::Interop.Libc.SockAddrIn>());
        Assert.Equal(28, Unsafe.SizeOf<global::Interop.Libc.SockAddrIn6>());
        Assert.Equal(110, Unsafe.SizeOf<global::Interop.Libc.SockAddrUn>());
        Assert.Equal(56, Unsafe.SizeOf<global::Interop.Libc.MsgHdr>());
        Assert.Equal(24, Unsafe.SizeOf<global::Interop.Libc.CmsgOneFd>());
        Assert.Equal(12, Unsafe.SizeOf<global::Interop.Libc.EpollEvent>());
        Assert.Equal(32, Unsafe.SizeOf<global::Interop.Libc.CmsgPktInfo>());   // CMSG_SPACE(sizeof(struct in_pktinfo))
        Assert.Equal(8, Unsafe.SizeOf<global::Interop.Libc.PollFd>());
        Assert.Equal(40, Unsafe.SizeOf<global::Interop.Libc.IfReqFlags>());
    }

    [Fact]
    public void BpfStructs_MatchLinuxBpfH()
    {
        Assert.Equal(8, Unsafe.SizeOf<global::Interop.Bpf.BpfInsn>());
        Assert.Equal(60, Unsafe.SizeOf<global::Interop.Bpf.MapCreateAttr>());     // up to btf_value_type_id
        Assert.Equal(32, Unsafe.SizeOf<global::Interop.Bpf.BtfLoadAttr>());       // up to btf_log_level, padded
        Assert.Equal(12, Unsafe.SizeOf<global::Interop.Bpf.GetFdByIdAttr>());     // up to open_flags
        Assert.Equal(16, Unsafe.SizeOf<global::Interop.Bpf.ObjInfoAttr>());
        Assert.Equal(40, Unsafe.SizeOf<global::Interop.Bpf.MapInfo>());           // up to name
        Assert.Equal(32, Unsafe.SizeOf<global::Interop.Bpf.MapElemAttr>());
        Assert.Equal(72, Unsafe.SizeOf<global::Interop.Bpf.ProgLoadAttr>());      // up to expected_attach_type
        Assert.Equal(16, Unsafe.SizeOf<global::Interop.Bpf.LinkCreateAttr>());    // up to flags
    }

    [Fact]
    public void SockDiagStructs_MatchInetDiagH()
    {
        Assert.Equal(48, Unsafe.SizeOf<global::Interop.SockDiag.InetDiagSockId>());
        Assert.Equal(56, Unsafe.SizeOf<global::Interop.SockDiag.InetDiagReqV2>());
        Assert.Equal(72, Unsafe.SizeOf<global::Interop.SockDiag.InetDiagMsg>());
    }

    [Fact]
    public void SchedParam_MatchesSchedH() => Assert.Equal(4, Unsafe.SizeOf<global::Interop.Libc.SchedParam>());

    [Fact]
    public void UserAndNetlinkStructs_MatchTheirHeaders()
    {
        Assert.Equal(48, Unsafe.SizeOf<global::Interop.Libc.Passwd>());
        Assert.Equal(12, Unsafe.SizeOf<global::Interop.Netlink.SockAddrNl>());
        Assert.Equal(16, Unsafe.SizeOf<global::Interop.Netlink.NlMsgHdr>());
        Assert.Equal(16, Unsafe.SizeOf<global::Interop.Netlink.IfInfoMsg>());
        Assert.Equal(8, Unsafe.SizeOf<global::Interop.Netlink.IfAddrMsg>());
    }
}
