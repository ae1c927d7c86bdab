using Ax.Addressing;
using Ax.Policy;

namespace Ax.Apps;

/// <summary>One application started by <c>ax run</c> and served by this daemon.</summary>
/// <param name="Ip">The app's IP: its --ip, an address ax made up for its --name, or the node IP when it has neither.</param>
/// <param name="HasOwnIp">True when the IP came from --ip or was made up for --name (then getsockname shows it instead of the node IP).</param>
internal sealed record AppRecord(
    string Id,
    string Name,
    LabelSet Labels,
    uint Ip,
    bool HasOwnIp,
    int Pid,
    IReadOnlyList<string> Command)
{
    internal string IpText => Ipv4Endpoint.FormatAddress(Ip);

    /// <summary>
    /// --new-netns=false: the app runs in its caller's network namespace (the node's, as a rule), so its
    /// loopback is the one every other such app and every plain process of the node shares. Defaults to false.
    /// </summary>
    internal bool SharesNodeNetwork { get; init; }

    /// <summary>
    /// --dns-override=false: the app's DNS queries go where its own resolv.conf says. Otherwise queries to the
    /// nameservers of the resolv.conf it sees go to ax's DNS server (where ax could not mount its own
    /// resolv.conf for the app, as in an unprivileged container). Defaults to false.
    /// </summary>
    internal bool KeepsHostResolver { get; init; }

    /// <summary>--expose: app ports served at fixed node ports to clients outside ax. Defaults to none.</summary>
    internal IReadOnlyList<ExposeRule> Expose { get; init; } = [];

    /// <summary>The rule that exposes <paramref name="internalPort"/>, if any.</summary>
    internal ExposeRule? ExposeFor(ushort internalPort) => Expose.FirstOrDefault(r => r.InternalPort == internalPort);
}
