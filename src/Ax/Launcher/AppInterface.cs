using System.Diagnostics.CodeAnalysis;
using System.Text;
using Ax.Cli;

namespace Ax.Launcher;

/// <summary>
/// <c>ax run --interface NAME</c> (seed 003, "Interface Name"): some apps want a non-loopback interface.
/// In the app's new namespace this makes NAME, brings it up and gives it the node IP /32, as the seed's
/// <c>ip addr show</c> example shows. The seed makes a dummy interface; a kernel built without the dummy
/// driver answers EOPNOTSUPP, and then NAME is one end of a veth pair whose other end also stays in the
/// app's namespace, so either way nothing appears outside it and both vanish with it.
/// </summary>
internal static unsafe class AppInterface
{
    private const int MaxNameLength = 15; // IFNAMSIZ - 1

    internal static bool TryValidateName(string name, [NotNullWhen(false)] out string? problem)
    {
        problem = null;
        if (name.Length is 0 or > MaxNameLength || name is "lo" or "." or ".." ||
            name.Any(c => c is '/' or ':' || c <= ' ' || c > '~'))
        {
            problem = $"invalid --interface '{name}': give 1 to {MaxNameLength} printable characters without '/', ':' or spaces, other than 'lo'";
            return false;
        }

        return true;
    }

    /// <summary>Creates the interface in the calling thread's (the app's) namespace; throws a CliException if it cannot.</summary>
    internal static void Create(string name, uint nodeIp)
    {
        if (NetlinkRouteSocket.TryOpen(out NetlinkRouteSocket? netlink) != Errno.None)
        {
            throw new CliException($"could not create interface '{name}' in the app's namespace (no rtnetlink socket: {Interop.LastErrno()})");
        }

        using (netlink)
        {
            string? peer = null;
            Errno error = netlink!.Request(NewLink(netlink, name, "dummy", peer));
            if (error is Errno.EOPNOTSUPP or Errno.ENOENT or Errno.ENODEV)
            {
                peer = PeerName(name);
                error = netlink.Request(NewLink(netlink, name, "veth", peer));
            }

            // Up only once both veth ends exist: a veth opened without its peer fails with ENOTCONN.
            if (error == Errno.None && peer is not null)
            {
                error = InterfaceFlags.TryBringUp(peer);
            }

            if (error == Errno.None)
            {
                error = InterfaceFlags.TryBringUp(name);
            }

            if (error != Errno.None)
            {
                throw new CliException($"could not create interface '{name}' in the app's namespace ({error})");
            }

            uint index = Index(name);
            error = index == 0 ? Interop.LastErrno() : netlink.Request(NewAddress(netlink, index, nodeIp));
            if (error != Errno.None)
            {
                throw new CliException($"could not give interface '{name}' the node IP ({error})");
            }
        }
    }

    /// <summary>The veth peer: NAME-p, shortened to fit IFNAMSIZ, and never NAME itself.</summary>
    internal static string PeerName(string name)
    {
        string stem = name.Length > MaxNameLength - 2 ? name[..(MaxNameLength - 2)] : name;
        string peer = stem + "-p";
        return peer == name ? stem + "-q" : peer;
    }

    /// <summary>RTM_NEWLINK creating NAME of KIND; a veth also gets its peer in the same namespace.</summary>
    private static NetlinkMessage NewLink(NetlinkRouteSocket netlink, string name, string kind, string? peer)
    {
        var link = new Interop.Netlink.IfInfoMsg { Family = Interop.Libc.AF_UNSPEC };
        var message = new NetlinkMessage(
            Interop.Netlink.RTM_NEWLINK,
            Interop.Netlink.NLM_F_REQUEST | Interop.Netlink.NLM_F_ACK | Interop.Netlink.NLM_F_CREATE | Interop.Netlink.NLM_F_EXCL,
            netlink.NextSequence())
            .Fixed(link)
            .Attribute(Interop.Netlink.IFLA_IFNAME, name);
        int linkInfo = message.BeginNested(Interop.Netlink.IFLA_LINKINFO);
        message.Attribute(Interop.Netlink.IFLA_INFO_KIND, kind);
        if (peer is not null)
        {
            // IFLA_INFO_DATA { VETH_INFO_PEER { ifinfomsg, IFLA_IFNAME } } (drivers/net/veth.c, veth_newlink).
            int data = message.BeginNested(Interop.Netlink.IFLA_INFO_DATA);
            int peerInfo = message.BeginNested(Interop.Netlink.VETH_INFO_PEER);
            message.Fixed(link).Attribute(Interop.Netlink.IFLA_IFNAME, peer);
            message.EndNested(peerInfo).EndNested(data);
        }

        return message.EndNested(linkInfo);
    }

    /// <summary>RTM_NEWADDR: ADDRESS/32, scope global, on the interface.</summary>
    private static NetlinkMessage NewAddress(NetlinkRouteSocket netlink, uint index, uint address) =>
        new NetlinkMessage(
            Interop.Netlink.RTM_NEWADDR,
            Interop.Netlink.NLM_F_REQUEST | Interop.Netlink.NLM_F_ACK | Interop.Netlink.NLM_F_CREATE | Interop.Netlink.NLM_F_EXCL,
            netlink.NextSequence())
            .Fixed(new Interop.Netlink.IfAddrMsg
            {
                Family = Interop.Libc.AF_INET,
                PrefixLength = 32,
                Scope = Interop.Netlink.RT_SCOPE_UNIVERSE,
                Index = index,
            })
            .Attribute(Interop.Netlink.IFA_LOCAL, address)
            .Attribute(Interop.Netlink.IFA_ADDRESS, address);

    private static uint Index(string name)
    {
        byte[] text = Encoding.ASCII.GetBytes(name + "\0");
        fixed (byte* pointer = text)
        {
            return Interop.Libc.IfNameToIndex(pointer);
        }
    }
}
